import ArgumentParser
// The CLI commands live here.
