import GRDB
// The audit store lives here.
