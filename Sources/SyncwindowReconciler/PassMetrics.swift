import Foundation

/// A pass's outcome in the Prometheus text format, for node_exporter's textfile collector. Names follow
/// Prometheus conventions (base units in the name, `_timestamp_seconds` for instants, no `_total`: every
/// family is a gauge of the last pass). The alerting rules that read them ship in
/// deploy/prometheus/syncwindow-alerts.yaml; docs/runbook.md says what each alert means.
public enum PassMetrics {
    /// - Parameter reload: for `run`, whether the configuration last (re)loaded cleanly.
    /// - Parameter exitCode: the exit status the CLI gives this pass (exit codes are the CLI's).
    /// - Parameter host: this host's id: with several hosts on one store, which of them acted on a pair.
    public static func render(
        _ result: PassResult, exitCode: Int32, wallClock now: Date, reload: ReconcileLoop.ReloadState? = nil,
        host: String? = nil
    ) -> String {
        var text = Text()
        let pairs = result.pairs
        text.passOutcome(exitCode: exitCode, wallClock: now)
        // A pass runs only on a trail whose append-only triggers and migrations are in place.
        text.family(Family.trailProtected, [("", 1)])
        text.family(
            "syncwindow_pair_desired_paused", "1 while the pair should be paused (window or override).",
            pairs.map { (label($0.pair), $0.desired.state == .paused ? 1 : 0) })
        text.family(
            "syncwindow_pair_converged", "1 when live state matched desired state at the end of the pass.",
            pairs.map { (label($0.pair), $0.problem == nil ? 1 : 0) })
        text.family(
            "syncwindow_pair_drift", "1 when the pair is in a state syncwindow did not put it in.",
            pairs.map { (label($0.pair), $0.problem?.isDrift == true ? 1 : 0) })
        text.family(
            "syncwindow_pair_live_paused", "1 when the instance's sync status is SUSPENDED.",
            pairs.flatMap { pair -> [(String, Double)] in
                guard let live = pair.live else { return [] }
                return [
                    (label(pair.pair, side: "primary"), live.primary == .suspended ? 1 : 0),
                    (label(pair.pair, side: "standby"), live.standby == .suspended ? 1 : 0),
                ]
            })
        text.family(
            "syncwindow_pair_paused_outside_windows_seconds",
            "Seconds the pair has been paused since its last window closed, with no override holding it paused.",
            pairs.map { pair in
                (label(pair.pair), pair.pausedOutsideWindowsSince.map { max(0, result.at.timeIntervalSince($0)) } ?? 0)
            })
        if let host {
            text.family(
                "syncwindow_host_info", "The host id this syncwindow runs as (--host-id).", [("{host=\"\(host)\"}", 1)])
        }
        text.family(
            "syncwindow_pair_last_pass_calls",
            "Calls this host made on the pair in its last pass (0: nothing to do, or not its turn).",
            pairs.map { (label($0.pair), Double($0.actions.count)) })
        text.family(
            "syncwindow_pair_held_elsewhere",
            "1 when another invocation or host held the pair's lock or lease (it acted instead).",
            pairs.map { (label($0.pair), $0.lockUnavailable ? 1 : 0) })
        text.family(
            "syncwindow_pair_removed_from_config",
            "1 while a pair that left the config still holds a pause syncwindow must hand back.",
            pairs.filter(\.removedFromConfig).map { (label($0.pair), 1) })
        if let skew = result.clockSkew {
            text.family(
                "syncwindow_clock_skew_seconds",
                "The shared store's clock minus this host's (with --at) when the last pass began; positive: host behind.",
                [("", skew.seconds)])
            text.family(
                "syncwindow_clock_skew_tolerance_seconds",
                "store.postgres.max_clock_skew: beyond it (plus half the round trip) this host acts on no pair.",
                [("", skew.tolerance)])
        }
        if result.clockSkew != nil || result.standDown != nil {
            text.family(
                "syncwindow_host_standing_down",
                "1 when this host acted on no pair in its last pass: its clock or its configuration disagrees.",
                StandDown.reasons.map { ("{reason=\"\($0)\"}", result.standDown?.reason == $0 ? 1 : 0) })
        }
        if let reload {
            // Named as Prometheus names its own: alert on == 0.
            text.family(
                "syncwindow_config_last_reload_successful",
                "1 if the last configuration reload succeeded; 0 while run keeps an older configuration.",
                [("", reload.successful ? 1 : 0)])
            text.family(
                "syncwindow_config_last_reload_success_timestamp_seconds",
                "When the configuration was last loaded successfully (Unix time).",
                [("", reload.lastSuccess.timeIntervalSince1970.rounded())])
        }
        return text.joined
    }

    /// What a pass that could not run says (the configuration, the credentials or the trail refused it,
    /// the store was unreachable): when, its exit status, and whether the trail lost its protection.
    /// The pair families are left out: the pass learnt nothing about the pairs.
    public static func renderFailure(exitCode: Int32, wallClock now: Date, trailUnprotected: Bool) -> String {
        var text = Text()
        text.passOutcome(exitCode: exitCode, wallClock: now)
        if trailUnprotected { text.family(Family.trailProtected, [("", 0)]) }
        return text.joined
    }

    /// What `audit verify --metrics-file` writes (its own file: the passes rewrite theirs every minute):
    /// whether the whole chain verified and the trail is protected, and when that was checked.
    public static func renderVerify(_ succeeded: Bool, wallClock now: Date) -> String {
        var text = Text()
        text.family(
            "syncwindow_audit_verify_success",
            "1 when the last audit verify found the whole chain intact and the trail protected.",
            [("", succeeded ? 1 : 0)])
        text.family(
            "syncwindow_audit_verify_timestamp_seconds", "When the last audit verify finished (Unix time).",
            [("", now.timeIntervalSince1970.rounded())])
        return text.joined
    }

    private enum Family {
        static let trailProtected = (
            name: "syncwindow_audit_trail_protected",
            help: "1 when the audit trail's append-only triggers and migrations were found in place."
        )
    }

    /// The exposition text, family by family.
    private struct Text {
        var lines: [String] = []

        mutating func family(_ name: String, _ help: String, _ samples: [(labels: String, value: Double)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) gauge")
            for sample in samples { lines.append("\(name)\(sample.labels) \(PassMetrics.format(sample.value))") }
        }

        mutating func family(_ family: (name: String, help: String), _ samples: [(labels: String, value: Double)]) {
            self.family(family.name, family.help, samples)
        }

        /// When the pass ended and how: every pass writes these, whether or not it could run.
        mutating func passOutcome(exitCode: Int32, wallClock now: Date) {
            family(
                "syncwindow_last_pass_timestamp_seconds", "When the last pass finished (Unix time).",
                [("", now.timeIntervalSince1970.rounded())])
            family(
                "syncwindow_last_pass_exit_code",
                "Exit code of the last pass: 0 ok, 1 not converged, 2 config, credentials or trail refused, 75 locked.",
                [("", Double(exitCode))])
        }

        var joined: String { lines.joined(separator: "\n") + "\n" }
    }

    private static func label(_ pair: String, side: String? = nil) -> String {
        // Pair names are restricted to [A-Za-z0-9._-] by the config loader: nothing to escape.
        side.map { "{pair=\"\(pair)\",side=\"\($0)\"}" } ?? "{pair=\"\(pair)\"}"
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int64(value)) : String(value)
    }
}
