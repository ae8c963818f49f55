import Testing

@testable import SyncwindowConfig

/// Pair and window names (`[A-Za-z0-9][A-Za-z0-9._-]{0,62}`) and region, project and instance ids
/// (`[A-Za-z0-9._-]{1,128}`), now checked byte by byte; held to the regular expressions they replaced.
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

    static let identifiers = [
        "a", "ap-southeast-1", "p1bench", "orders-primary-in12", "-", ".", "_", "..", "-lead", ".lead", "_lead", "0",
        String(repeating: "x", count: 128), String(repeating: "x", count: 129), String(repeating: "é", count: 64), "",
        "sp ace", "tab\t", "é", "cafe\u{301}", "a\u{301}", "naïve", "emoji🙂", "a/b", "a:b", "a@b", "\u{0}", "a\n",
        "\r\n", "a\r\n", "Ａ", "ß", "\u{212A}", "UPPER-lower.09_", "trailing-", "x\u{200D}",
    ]

    @Test("the id byte check agrees with the regular expression", arguments: identifiers)
    func identifierAgreesWithRegex(text: String) {
        let expected = text.wholeMatch(of: /[A-Za-z0-9._-]{1,128}/) != nil
        #expect(ConfigLoader.isValidIdentifier(text) == expected)
    }
}
