import Foundation
import SyncwindowReport

/// Which host this process is, for the audit trail and the pair leases: `--host-id`, else
/// `SYNCWINDOW_HOST_ID`, else the hostname. Several hosts sharing one store must each have
/// their own (the hostname usually is); one host never needs to set it. Resolved by
/// `ConfigOptions.loadWithHost()` and handed down the wiring (`Wiring.withStore`, the metrics).
enum HostIdentity {
    static let variable = "SYNCWINDOW_HOST_ID"

    static func resolve(explicit: String?, environment: [String: String]) throws -> String {
        let (text, source) =
            if let explicit { (explicit, "--host-id") } else if let fromEnvironment = environment[variable] {
                (fromEnvironment, variable)
            } else {
                (ProcessInfo.processInfo.hostName, "the hostname")
            }
        // It names rows of the trail and lease holders: keep it a plain, short name.
        guard text.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._-]{0,62}/) != nil else {
            throw CLIFailure(
                "\(source) '\(Printable.escaped(text))' is not a host id: use letters, digits, '.', '_' or '-' (at most 63)"
            )
        }
        return text
    }
}
