import Foundation
import Testing

@testable import SyncwindowSchedule

/// The inlined day and minute arithmetic, and the trimming shortcut, held to what they replaced (CivilTime's floor
/// division, Foundation's trimming).
@Suite("Wall arithmetic and trimming shortcuts")
struct WallMathTests {
    static let values: [Int64] = [
        0, 1, -1, 59, 60, 61, -59, -60, -61, 86_399, 86_400, 86_401, -86_399, -86_400, -86_401, 1_767_225_630,
        -2_208_988_800, 253_402_300_799, Int64.max, Int64.min, Int64.max - 86_399, Int64.min + 86_399,
    ]

    @Test("day, second of day and second of minute are floor division and its remainder", arguments: values)
    func floorDivision(wall: Int64) {
        func floor(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
            let (quotient, remainder) = a.quotientAndRemainder(dividingBy: b)
            return remainder < 0 ? (quotient - 1, remainder + b) : (quotient, remainder)
        }
        #expect(WallMath.day(wall) == floor(wall, 86_400).quotient)
        #expect(WallMath.secondOfDay(wall) == floor(wall, 86_400).remainder)
        #expect(WallMath.secondOfMinute(wall) == floor(wall, 60).remainder)
    }

    @Test(
        "text whose ends are graphic ASCII is what trimming white space leaves of it",
        arguments: [
            "0 1 * * *", " 0 1 * * *", "0 1 * * * ", "\t0 1 * * *\n", "\u{A0}0 1 * * *", "0 1 * * *\u{2028}", "x", " ",
            "", "é0 1 * * *", "0 1 * * *é", "\u{85}1h", "1h30m", "~", "!x!", "\u{7F}", "a\u{301}",
        ])
    func trimmingShortcut(text: String) {
        if CronExpression.hasGraphicASCIIEnds(text) {
            #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == text)
            #expect(text.trimmingCharacters(in: .whitespaces) == text)
        }
    }

    @Test(
        "an ASCII expression splits into the fields white space characters separate",
        arguments: [
            "0 1 * * *", "0\t1 * *\n*", "0\r\n1 * * *", "0\u{0B}1\u{0C}*  * *", "0\u{1C}1 * * *", "0\u{1F}1 * * *",
            " 0 1 * * * ", "0 1 * * *\u{85}", "0\u{A0}1 * * *", "1,2 3 L * 5L", "0 0 * * 1,l",
        ])
    func asciiFieldSplit(text: String) throws {
        let expected = text.trimmingCharacters(in: .whitespacesAndNewlines).split(whereSeparator: \.isWhitespace)
            .map(String.init)
        do {
            #expect(try CronExpression.parse(text).fields == expected)
        } catch {
            // Refused for the number of fields only when the white space makes other than five.
            #expect(error.field != nil || expected.count != 5, "\(error)")
        }
    }
}
