import Foundation

#if FUZZING
    import CLibFuzzer
#endif

/// The `main` of every fuzz target. Built for fuzzing (`-DFUZZING -sanitize=fuzzer,address`,
/// see `scripts/fuzz.sh`) it hands the command line to libFuzzer, which calls `body` once per
/// input. In an ordinary build it replays the files (or directories of files) it is given, so
/// a corpus or a crashing input runs without libFuzzer.
///
/// Why a `main` of our own and not libFuzzer's: SwiftPM links every Swift executable with
/// `--defsym main=<Module>_main`, so the module must define one (`@main`), and that is the `main`
/// that runs; it calls libFuzzer's driver, `LLVMFuzzerRunDriver`.
public enum FuzzMain {
    public static func run(name: String, body: @escaping @Sendable ([UInt8]) -> Void) -> Never {
        #if FUZZING
            FuzzMain.body = body
            var argc = CommandLine.argc
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
            exit(
                LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzTestOneInput(data, size) }
            )
        #else
            exit(replay(name: name, paths: Array(CommandLine.arguments.dropFirst()), body: body))
        #endif
    }

    #if FUZZING
        /// libFuzzer's callback is a C function pointer and cannot capture; it reads the body here.
        nonisolated(unsafe) static var body: (([UInt8]) -> Void)?
    #endif

    static func replay(name: String, paths: [String], body: ([UInt8]) -> Void) -> Int32 {
        let files = paths.flatMap(files(at:))
        if files.isEmpty {
            print("usage: \(name) FILE|DIR...  (replays inputs; `make fuzz` builds the libFuzzer version)")
            return 2
        }
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("\(name): cannot read \(path)")
                return 1
            }
            body(Array(data))
        }
        print("\(name): replayed \(files.count) input(s)")
        return 0
    }

    private static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return [path]
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { path + "/" + $0 }
    }
}

#if FUZZING
    /// `-sanitize=fuzzer` links all of libFuzzer, its unused `main` included, and that `main` wants
    /// this symbol; it is also the callback the driver above is given.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        guard let data, size > 0 else {
            FuzzMain.body?([])
            return 0
        }
        FuzzMain.body?(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
#endif
