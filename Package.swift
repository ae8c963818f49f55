// swift-tools-version: 6.1
import PackageDescription

// Release builds of the shipped executables carry the Swift runtime and Foundation inside: the Debian
// packages then depend on nothing of a Swift toolchain, and the dynamic loader no longer resolves some
// 11,000 symbols across twenty libraries at every start (`syncwindow --version`: 11 -> 7 ms; a whole
// `plan` for a year: 4 ms less). The archives of Foundation's own dependencies are named because
// `-static-stdlib` at link time alone does not pull them in. `-z relro -z now`: the hardening Debian's
// toolchain applies to every binary (lintian checks it).
let staticRuntimeInRelease: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-static-stdlib", "-Xlinker", "--start-group", "-lFoundation", "-lFoundationEssentials",
            "-lFoundationInternationalization", "-lCoreFoundation", "-l_FoundationICU",
            "-l_FoundationCollections", "-l_FoundationCShims", "-ldispatch", "-lBlocksRuntime", "-Xlinker",
            "--end-group", "-Xlinker", "-z", "-Xlinker", "relro", "-Xlinker", "-z", "-Xlinker", "now",
        ], .when(platforms: [.linux], configuration: .release))
]

let package = Package(
    name: "syncwindow",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "syncwindow", targets: ["syncwindow"]),
        .executable(name: "geminidb-emulator", targets: ["geminidb-emulator"]),
        .executable(name: "syncwindow-bench", targets: ["syncwindow-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.36.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Civil-date arithmetic (Hinnant) and the digit scanner behind every timestamp parser. A leaf.
        .target(name: "SyncwindowCivilTime"),
        // Locks: flock files and their in-memory twin, behind one protocol. A leaf.
        .target(name: "SyncwindowLocks"),
        // Pure time and schedule logic: cron, zones, windows. No I/O.
        .target(name: "SyncwindowSchedule", dependencies: ["SyncwindowCivilTime"]),
        // Wire models of the GeminiDB API, AK/SK signing, secrets. Shared by client and emulator.
        .target(
            name: "GeminiDBAPI",
            dependencies: ["SyncwindowCivilTime", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Configuration: YAML files to validated values.
        .target(
            name: "SyncwindowConfig",
            dependencies: [
                "SyncwindowSchedule", "GeminiDBAPI",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The cloud client: auth, retries, timeouts, concurrency limit.
        .target(
            name: "GeminiDBClient",
            dependencies: [
                "GeminiDBAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The append-only, hash-chained audit trail (SQLite).
        .target(
            name: "SyncwindowAudit",
            dependencies: [
                "SyncwindowCivilTime", "SyncwindowLocks",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for `verify` and exports reading column bytes without a String per value.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The shared store for several hosts: the audit trail and per-pair leases with fencing in PostgreSQL.
        .target(
            name: "SyncwindowPostgres",
            dependencies: [
                "SyncwindowAudit", "SyncwindowLocks", "SyncwindowConfig",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Desired vs live state, the reconcile pass, locking, overrides.
        .target(
            name: "SyncwindowReconciler",
            dependencies: [
                "SyncwindowSchedule", "SyncwindowConfig", "GeminiDBAPI", "GeminiDBClient", "SyncwindowAudit",
                "SyncwindowLocks",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Reports and plans for people: the period report folded from the trail, the plan as configured over time,
        // and their renderers (table, CSV, JSON, HTML with an SVG timeline, ICS). No I/O but the store it reads.
        .target(
            name: "SyncwindowReport",
            dependencies: ["SyncwindowSchedule", "SyncwindowConfig", "SyncwindowAudit", "SyncwindowReconciler"]
        ),
        // The emulator of the GeminiDB DR, jobs and IAM APIs (wire models only), and its in-memory GeminiDBService.
        .target(
            name: "GeminiDBEmulator",
            dependencies: [
                "GeminiDBAPI", "GeminiDBClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The emulator configured from a syncwindow config: the one adapter, for its executable, the demo and tests.
        .target(
            name: "GeminiDBEmulatorSetup",
            dependencies: ["GeminiDBEmulator", "GeminiDBAPI", "SyncwindowConfig"]
        ),
        // Runs a command tree with the project's exit statuses (usage errors exit 2), for both executables.
        .target(
            name: "CommandLineExit",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The CLI commands (a library so tests can drive them too).
        .target(
            name: "SyncwindowCLI",
            dependencies: [
                "SyncwindowSchedule", "SyncwindowConfig", "GeminiDBAPI", "GeminiDBClient", "SyncwindowAudit",
                "SyncwindowReconciler", "SyncwindowReport", "GeminiDBEmulator", "GeminiDBEmulatorSetup",
                "CommandLineExit", "SyncwindowLocks", "SyncwindowPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "syncwindow", dependencies: ["SyncwindowCLI"], linkerSettings: staticRuntimeInRelease
        ),
        .executableTarget(
            name: "geminidb-emulator",
            dependencies: [
                "GeminiDBEmulator", "GeminiDBEmulatorSetup", "SyncwindowConfig", "CommandLineExit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Shipped in the syncwindow-emulator package: it must run where no Swift toolchain is installed.
            linkerSettings: staticRuntimeInRelease
        ),
        .executableTarget(
            name: "syncwindow-bench",
            dependencies: [
                "SyncwindowSchedule", "GeminiDBAPI", "GeminiDBEmulator", "SyncwindowAudit",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // libFuzzer targets (`make fuzz`; built with -DFUZZING -sanitize=fuzzer,address into .build-fuzz).
        // In an ordinary build each is a replayer: it runs its fuzz body on the files it is given.
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"]),
        .executableTarget(name: "FuzzCron", dependencies: ["FuzzSupport", "SyncwindowSchedule"]),
        .executableTarget(name: "FuzzTimeText", dependencies: ["FuzzSupport", "SyncwindowSchedule"]),
        .executableTarget(name: "FuzzConfig", dependencies: ["FuzzSupport", "SyncwindowConfig", "SyncwindowSchedule"]),
        .executableTarget(
            name: "FuzzCloudDecoding",
            dependencies: [
                "FuzzSupport", "GeminiDBClient", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "FuzzEmulatorRequests",
            dependencies: [
                "FuzzSupport", "GeminiDBEmulator", "GeminiDBAPI", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Fixed clocks, temporary state dirs, an in-process emulator on port 0, running the built binaries.
        .target(
            name: "SyncwindowTestSupport",
            dependencies: [
                "GeminiDBAPI", "GeminiDBEmulator", "SyncwindowConfig",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(name: "SyncwindowCivilTimeTests", dependencies: ["SyncwindowCivilTime"]),
        .testTarget(
            name: "SyncwindowLocksTests",
            dependencies: [
                "SyncwindowLocks", "SyncwindowAudit", "SyncwindowConfig", "SyncwindowPostgres", "SyncwindowTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "SyncwindowScheduleTests", dependencies: ["SyncwindowSchedule", "SyncwindowTestSupport"]),
        .testTarget(
            name: "SyncwindowConfigTests",
            dependencies: ["SyncwindowConfig", "SyncwindowSchedule", "SyncwindowTestSupport", "GeminiDBAPI"]
        ),
        .testTarget(
            name: "GeminiDBClientTests",
            dependencies: [
                "GeminiDBClient", "GeminiDBAPI", "GeminiDBEmulator", "SyncwindowTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SyncwindowAuditTests",
            dependencies: [
                "SyncwindowAudit", "SyncwindowTestSupport", "SyncwindowPostgres", "SyncwindowConfig",
                .product(name: "Logging", package: "swift-log"),
                // A store's own connection, to make SQLite refuse to grow as a full disk does.
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "SyncwindowReconcilerTests",
            dependencies: [
                "SyncwindowReconciler", "SyncwindowReport", "GeminiDBEmulator", "GeminiDBEmulatorSetup",
                "GeminiDBClient", "GeminiDBAPI", "SyncwindowAudit",
                "SyncwindowConfig", "SyncwindowLocks",
                "SyncwindowSchedule", "SyncwindowTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SyncwindowPostgresTests",
            dependencies: [
                "SyncwindowPostgres", "SyncwindowAudit", "SyncwindowConfig", "SyncwindowLocks", "SyncwindowTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SyncwindowReportTests",
            dependencies: [
                "SyncwindowReport", "SyncwindowReconciler", "SyncwindowAudit", "SyncwindowSchedule",
            ]
        ),
        .testTarget(
            name: "SyncwindowCLITests",
            dependencies: ["SyncwindowCLI", "SyncwindowAudit", "SyncwindowReport", "SyncwindowReconciler"]
        ),
        .testTarget(name: "SyncwindowEndToEndTests", dependencies: ["SyncwindowTestSupport"]),
    ]
)
