import Testing

@testable import SyncwindowConfig

/// Pair and window names: `[A-Za-z0-9][A-Za-z0-9._-]{0,62}`, now checked byte by byte; held to the regular
/// expression it replaced.
@Suite("Pair and window names")
struct NameRuleTests {
    static let names = [
        "a", "orders-cache", "Orders.Cache_2", "0", "9lives", String(repeating: "x", count: 63),
        String(repeating: "x", count: 64), "", "-lead", ".lead", "_lead", "sp ace", "tab\t", "é", "cafe\u{301}",
        "naïve", "emoji🙂", "a/b", "a:b", "\u{0}", "a\n", "Ａ", "z-", "Z.", "x_", "UPPER-lower.09_",
    ]

    @Test("the byte check agrees with the regular expression", arguments: names)
    func agreesWithRegex(name: String) {
        let expected = name.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._-]{0,62}/) != nil
        #expect(ConfigLoader.isValidName(name) == expected)
    }
}
