import Foundation
import GeminiDBAPI

extension EmulatorEngine {
    /// Answers one HTTP request as ``EmulatorServer`` does, minus what needs a connection: injected
    /// latency is not slept, and a dropped connection comes back as `drop = true`. Package-internal:
    /// the seam the request fuzzer (`Sources/FuzzEmulatorRequests`) drives without sockets.
    package func respond(to request: EmulatorRequest) -> EmulatorResponse {
        if request.target.hasPrefix("/_emulator/") { return control(request) }
        let admission = admit(request)
        if admission.drop == .beforeProcessing {
            record(request, requestID: admission.requestID, status: nil, auth: "none", dropped: true)
            return EmulatorResponse(status: 0, drop: true)
        }
        if var immediate = admission.immediate {
            immediate.headers.append(HTTPHeaderField("X-Request-Id", admission.requestID))
            record(request, requestID: admission.requestID, status: immediate.status, auth: "none", dropped: false)
            return immediate
        }
        return process(request, requestID: admission.requestID, dropAfter: admission.drop == .afterProcessing)
    }
}
