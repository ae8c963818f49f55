import Foundation
import SyncwindowSchedule

/// `plan --format ics`: the window occurrences as an RFC 5545 calendar that operators can
/// subscribe to. One VEVENT per pair and occurrence; instants in UTC (`…Z`), so every
/// calendar shows them exactly, across DST, in its reader's own zone.
package enum PlanICS {
    /// - Parameters:
    ///   - rows: (pair, occurrence), in the order `plan` prints them.
    ///   - stamp: when the calendar was made (DTSTAMP): the command's "now".
    package static func render(_ rows: [(pair: String, occurrence: Occurrence)], windows: [Window], stamp: Date)
        -> String
    {
        let byName = Dictionary(windows.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//syncwindow//plan//EN", "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH", "X-WR-CALNAME:syncwindow maintenance windows",
        ]
        for (pair, occurrence) in rows {
            let window = byName[occurrence.window]
            let zone = window?.timeZone ?? .gmt
            let zoneName = zone.identifier == "GMT" ? "UTC" : zone.identifier
            var description =
                "syncwindow pauses DR data synchronization of pair \(pair) while window \(occurrence.window) is open.\n"
                + "Local time (\(zoneName)): \(RFC3339.format(occurrence.start, in: zone)) to \(RFC3339.format(occurrence.end, in: zone)).\n"
            if let window {
                description +=
                    "Window: cron \"\(window.cron.source)\" in \(zoneName), duration \(DurationText.format(window.duration))"
                description += window.cutoff > 0 ? ", cutoff \(DurationText.format(window.cutoff))." : "."
            }
            lines += [
                "BEGIN:VEVENT",
                "UID:\(uid(pair: pair, window: occurrence.window, start: occurrence.start))@syncwindow",
                "DTSTAMP:\(basic(stamp))",
                "DTSTART:\(basic(occurrence.start))",
                "DTEND:\(basic(occurrence.end))",
                "SUMMARY:\(text("\(occurrence.window): DR sync paused on \(pair)"))",
                "DESCRIPTION:\(text(description))",
                "CATEGORIES:syncwindow,\(text(occurrence.window))",
                // Maintenance does not make anyone busy.
                "TRANSP:TRANSPARENT",
                "END:VEVENT",
            ]
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    /// `20261201T013000Z`: RFC 5545 DATE-TIME in UTC.
    package static func basic(_ date: Date) -> String {
        // Whole seconds: DATE-TIME has no fraction (a DTSTAMP from the wall clock would).
        let whole = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        let text = RFC3339.format(whole, in: .gmt)  // 2026-12-01T01:30:00Z
        return text.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }

    /// A UID that stays the same for the same pair, window and start, whenever the plan is
    /// made: calendars update an event instead of duplicating it. Two FNV-1a 64-bit hashes
    /// with different offsets, as 32 hex digits.
    package static func uid(pair: String, window: String, start: Date) -> String {
        let key = Array("\(pair)\u{0}\(window)\u{0}\(basic(start))".utf8)
        func fnv(_ offset: UInt64) -> String {
            var hash = offset
            for byte in key {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
            let hex = String(hash, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
        return fnv(0xcbf2_9ce4_8422_2325) + fnv(0x6c62_272e_07bb_0142)
    }

    /// TEXT value escaping (RFC 5545 §3.3.11).
    package static func text(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n", "\r\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// Folds a content line at 75 octets (RFC 5545 §3.1): CRLF and a space, never inside a UTF-8 sequence.
    package static func fold(_ line: String) -> String {
        var result = ""
        var width = 0
        for scalar in line.unicodeScalars {
            let size = String(scalar).utf8.count
            if width + size > 75 {
                result += "\r\n "
                width = 1
            }
            result.unicodeScalars.append(scalar)
            width += size
        }
        return result
    }
}
