// Test support lives here.
import Foundation
