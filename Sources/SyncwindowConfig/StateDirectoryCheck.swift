import Foundation

/// Whether `state_dir` can hold the audit trail and the locks: checked by `check`, and
/// before any command opens the store, so the first timer run is not where it is found out.
public enum StateDirectoryCheck {
    /// nil when usable: an existing writable directory, or one that can be created because
    /// its nearest existing ancestor is a writable directory.
    public static func problem(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { return "\(path) exists but is not a directory" }
            return access(path, W_OK | X_OK) == 0 ? nil : "\(path) is not writable by this user"
        }
        var ancestor = URL(fileURLWithPath: path).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
            ancestor.deleteLastPathComponent()
        }
        guard isDirectory.boolValue, access(ancestor.path, W_OK | X_OK) == 0 else {
            return "\(path) does not exist and cannot be created (\(ancestor.path) is not a writable directory)"
        }
        // /proc and /sys look writable to root but refuse new entries.
        if ancestor.path == "/proc" || ancestor.path.hasPrefix("/proc/") || ancestor.path.hasPrefix("/sys") {
            return "\(path) cannot be created under \(ancestor.path)"
        }
        return nil
    }
}
