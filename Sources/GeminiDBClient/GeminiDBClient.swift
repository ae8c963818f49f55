import Logging
import AsyncHTTPClient
import GeminiDBAPI
// The cloud client lives here.
