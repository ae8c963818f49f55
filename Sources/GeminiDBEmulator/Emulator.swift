import Hummingbird
import GeminiDBAPI
// The emulator lives here.
