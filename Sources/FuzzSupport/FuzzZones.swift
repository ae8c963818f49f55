import Foundation

/// Zones a fuzz input picks from: the awkward transitions — half-hour and two-hour shifts,
/// negative DST, skipped midnights, 45-minute offsets, a skipped day, permanent changes.
public enum FuzzZones {
    public static let all = [
        "UTC", "America/New_York", "Europe/London", "Europe/Dublin", "Australia/Lord_Howe", "Pacific/Chatham",
        "America/Havana", "Asia/Tehran", "America/Santiago", "Africa/Casablanca", "Antarctica/Troll",
        "America/St_Johns", "Pacific/Apia", "Asia/Kolkata", "America/Scoresbysund", "Europe/Chisinau",
        "Asia/Gaza", "America/Asuncion", "Pacific/Kiritimati", "Asia/Kathmandu",
    ].compactMap(TimeZone.init(identifier:))
}
