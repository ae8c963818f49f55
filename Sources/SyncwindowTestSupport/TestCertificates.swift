import Foundation

/// A private CA and server certificates made with the `openssl` command at test time, in a temporary
/// directory: nothing is committed, nothing expires in the repository.
///
/// ```swift
/// let certificates = try TestCertificates.make()
/// let emulator = try SpawnedEmulator(configPath: path, flags: certificates.emulatorFlags(.valid))
/// // cloud.ca_file: certificates.caFile
/// ```
public struct TestCertificates: Sendable {
    /// The server identities the emulator can present.
    public enum Identity: String, Sendable, CaseIterable {
        /// Issued by the test CA for 127.0.0.1, localhost and ``TestCertificates/loopbackAliases``.
        case valid
        /// Issued by the test CA for the same names, valid 2020-01-01 to 2020-01-02.
        case expired
        /// Issued by the test CA for `wrong.example` only.
        case wrongHost = "wrong-host"
        /// Issued for the right names by a second CA that nobody trusts.
        case unknownCA = "unknown-ca"
    }

    public let directory: TemporaryDirectory
    /// The test CA's certificate (PEM): what `cloud.ca_file` names.
    public var caFile: String { directory.url("ca.pem").path }
    /// The server's private key, shared by every identity.
    public var keyFile: String { directory.url("server.key").path }
    /// Names other than `localhost` that /etc/hosts maps to 127.0.0.0/8; the valid certificates cover them.
    public let loopbackAliases: [String]

    public func certificateFile(_ identity: Identity) -> String { directory.url("\(identity.rawValue).pem").path }

    /// `--tls-cert FILE --tls-key FILE` for `geminidb-emulator`.
    public func emulatorFlags(_ identity: Identity) -> [String] {
        ["--tls-cert", certificateFile(identity), "--tls-key", keyFile]
    }

    /// Whether the `openssl` command is installed (`.ci/run` installs it).
    public static var opensslAvailable: Bool { executable("openssl") != nil }

    /// Makes the CAs, the key and every ``Identity``.
    public static func make() throws -> TestCertificates {
        let directory = try TemporaryDirectory(prefix: "syncwindow-certs")
        let aliases = LoopbackAliases.fromHostsFile()
        let certificates = TestCertificates(directory: directory, loopbackAliases: aliases)
        let names = (["IP:127.0.0.1", "DNS:localhost"] + aliases.map { "DNS:\($0)" }).joined(separator: ",")
        try certificates.makeCA("ca", subject: "/CN=syncwindow test CA")
        try certificates.makeCA("rogue-ca", subject: "/CN=syncwindow rogue CA")
        try certificates.openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key",
            "-out", "server.csr", "-subj", "/CN=syncwindow emulator",
        ])
        try certificates.sign(.valid, by: "ca", names: names, validity: ["-days", "2"])
        try certificates.sign(
            .expired, by: "ca", names: names,
            validity: ["-startdate", "20200101000000Z", "-enddate", "20200102000000Z"])
        try certificates.sign(.wrongHost, by: "ca", names: "DNS:wrong.example", validity: ["-days", "2"])
        try certificates.sign(.unknownCA, by: "rogue-ca", names: names, validity: ["-days", "2"])
        return certificates
    }

    private func makeCA(_ name: String, subject: String) throws {
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "\(name).key", "-out", "\(name).pem", "-days", "2", "-subj", subject,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
    }

    /// `openssl ca`, which (unlike `openssl x509` before 3.4) can date a certificate in the past.
    private func sign(_ identity: Identity, by ca: String, names: String, validity: [String]) throws {
        let database = "db-\(identity.rawValue)"
        try directory.write("\(database)/index.txt", "")
        try directory.write(
            "\(database)/serial", String(format: "%02X\n", Identity.allCases.firstIndex(of: identity)! + 1))
        try directory.write(
            "\(identity.rawValue).cnf",
            """
            [ ca ]
            default_ca = test_ca
            [ test_ca ]
            database = \(database)/index.txt
            new_certs_dir = \(database)
            serial = \(database)/serial
            default_md = sha256
            policy = any_name
            unique_subject = no
            [ any_name ]
            commonName = supplied
            [ server ]
            basicConstraints = CA:FALSE
            keyUsage = digitalSignature, keyEncipherment
            extendedKeyUsage = serverAuth
            subjectAltName = \(names)

            """)
        try openssl(
            [
                "ca", "-batch", "-notext", "-config", "\(identity.rawValue).cnf", "-extensions", "server",
                "-cert", "\(ca).pem", "-keyfile", "\(ca).key", "-in", "server.csr", "-out", "\(identity.rawValue).pem",
            ] + validity)
    }

    private func openssl(_ arguments: [String]) throws {
        guard let path = Self.executable("openssl") else { throw CertificateError(message: "openssl is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let text = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CertificateError(
                message: "openssl \(arguments.prefix(2).joined(separator: " ")) failed: "
                    + String(decoding: text, as: UTF8.self))
        }
    }

    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    struct CertificateError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

/// Host names that /etc/hosts maps to a 127.x address, other than `localhost`: a name syncwindow does not take
/// for loopback (so `HTTPS_PROXY` applies to it) that still reaches only this machine.
public enum LoopbackAliases {
    public static func fromHostsFile(_ path: String = "/etc/hosts") -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var names: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: "#").first?.split(whereSeparator: \.isWhitespace) ?? []
            guard let address = fields.first, address.hasPrefix("127.") else { continue }
            for name in fields.dropFirst() {
                let name = name.lowercased()
                if name != "localhost", !name.hasPrefix("localhost."), name.contains(where: \.isLetter),
                    !names.contains(name), name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." })
                {
                    names.append(name)
                }
            }
        }
        return names
    }
}
