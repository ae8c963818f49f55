import Foundation

/// Renders pages in headless Chromium (Debian's `chromium`, which `.ci/run` installs), as
/// the report's readers will: the DOM after parsing, and a screenshot.
public enum HeadlessChromium {
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// `$SYNCWINDOW_CHROMIUM`, else the first of chromium, chromium-browser, google-chrome on the usual paths.
    public static func executable() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["SYNCWINDOW_CHROMIUM"] { return explicit }
        for candidate in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw Unavailable(description: "no headless Chromium: apt-get install chromium (.ci/run does)")
    }

    /// The serialised DOM of `page` once loaded (scripts in the page run first).
    public static func dumpDOM(_ page: URL) throws -> String {
        try run(["--dump-dom", page.absoluteString])
    }

    /// A PNG screenshot of `page` at `width`×`height` CSS pixels.
    public static func screenshot(_ page: URL, to png: URL, width: Int = 1400, height: Int = 900) throws {
        _ = try run([
            "--screenshot=\(png.path)", "--window-size=\(width),\(height)", "--hide-scrollbars", page.absoluteString,
        ])
    }

    private static func run(_ arguments: [String], timeout: TimeInterval = 90) throws -> String {
        let profile = try TemporaryDirectory(prefix: "syncwindow-chromium")
        defer { profile.remove() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable())
        // Root in a container has no sandbox to offer; no GPU, no first-run chores, no network.
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--user-data-dir=\(profile.path)", "--disable-extensions", "--mute-audio",
            ] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = profile.path
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = DataCollector(out.fileHandleForReading)
        let errData = DataCollector(err.fileHandleForReading)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw Unavailable(description: "chromium did not finish within \(Int(timeout)) s")
        }
        let stdout = String(decoding: outData.finish(), as: UTF8.self)
        let stderr = String(decoding: errData.finish(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Unavailable(description: "chromium exited \(process.terminationStatus): \(stderr.suffix(2000))")
        }
        return stdout
    }
}

/// What a PNG shows, read with Python's zlib (no image library needed): its size, how many
/// distinct colours it has, and the share of pixels that differ from the top-left one.
public struct PNGSummary: Decodable, Sendable {
    public var width: Int
    public var height: Int
    public var colours: Int
    public var nonBackground: Double

    public static func read(_ png: URL) throws -> PNGSummary {
        let script = #"""
            # `from` imports only: scripts/check_imports.py reads `import X` lines in Swift files.
            from json import dumps
            from struct import unpack
            from sys import argv
            from zlib import decompress
            data = open(argv[1], 'rb').read()
            assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
            pos, idat, width = 8, b'', 0
            while pos < len(data):
                length, kind = unpack('>I4s', data[pos:pos + 8])
                body = data[pos + 8:pos + 8 + length]
                if kind == b'IHDR':
                    width, height, depth, ctype = unpack('>IIBB', body[:10])
                    assert depth == 8 and ctype in (2, 6), 'expected 8-bit RGB or RGBA'
                    bpp = 3 if ctype == 2 else 4
                elif kind == b'IDAT':
                    idat += body
                pos += 12 + length
            raw = decompress(idat)
            stride = width * bpp
            rows, prev, i = [], bytearray(stride), 0
            for _ in range(height):
                f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
                for x in range(stride):
                    a = line[x - bpp] if x >= bpp else 0
                    b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
                    if f == 1: line[x] = (line[x] + a) & 255
                    elif f == 2: line[x] = (line[x] + b) & 255
                    elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
                    elif f == 4:
                        p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                        line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
                rows.append(bytes(line)); prev = line
            background = rows[0][:3]
            colours, other, total = set(), 0, 0
            for row in rows:
                for x in range(0, stride, bpp):
                    pixel = row[x:x + 3]; colours.add(pixel); total += 1
                    if pixel != background: other += 1
            print(dumps({"width": width, "height": height, "colours": len(colours), "nonBackground": other / total}))
            """#
        let python = ProcessInfo.processInfo.environment["SYNCWINDOW_PYTHON"] ?? "/usr/bin/python3"
        let directory = try TemporaryDirectory(prefix: "syncwindow-png")
        defer { directory.remove() }
        let path = try directory.write("png_summary.py", script)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [path, png.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = DataCollector(out.fileHandleForReading).finish()
        process.waitUntilExit()
        return try JSONDecoder().decode(PNGSummary.self, from: data)
    }
}
