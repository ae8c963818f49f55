/// What `syncwindow --version` prints: the package version and the commit the binary was built from.
///
/// A plain `swift build` prints the source default below. `make deb` (scripts/build-release.sh) writes
/// the git-ignored `BuildStamp.generated.swift` beside this file and compiles with
/// `-DSYNCWINDOW_BUILD_STAMP`, so the stamp needs no edit of a tracked file and a fresh clone builds with
/// no extra step (without the condition the generated file, if one is left over, compiles to nothing).
enum BuildVersion {
    static var text: String {
        #if SYNCWINDOW_BUILD_STAMP
            return "\(BuildStamp.version) (\(BuildStamp.commit))"
        #else
            return "0.1.0-source (commit not recorded: built without make deb)"
        #endif
    }
}
