import Foundation
import SyncwindowAudit
import SyncwindowTestSupport
import Testing

/// Appends that arrive together share transactions (`GroupCommit`); each must still behave
/// as if it were alone.
@Suite("Audit store group commit")
struct GroupCommitTests {
    static let t0 = Date(timeIntervalSince1970: 1_796_000_000)

    static func event(_ pair: String, _ kind: AuditKind, intentID: Int64? = nil) -> NewAuditEvent {
        NewAuditEvent(at: t0, pair: pair, side: .primary, kind: kind, actor: "syncwindow", intentID: intentID)
    }

    @Test("many concurrent appends: each gets its own rows, ids run 1…n without gaps, the chain verifies")
    func concurrentAppends() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try AuditStore.open(stateDirectory: directory.path, wallClock: { Date() })
        // When 200 pairs each append an intent and then its outcome, all at once
        let stored = try await withThrowingTaskGroup(of: [AuditEvent].self) { group in
            for index in 0..<200 {
                group.addTask {
                    let intent = try await store.append([Self.event("pair-\(index)", .pauseIntent)], fence: nil)[0]
                    let outcome = try await store.append(
                        [Self.event("pair-\(index)", .pauseOutcome, intentID: intent.id)], fence: nil)[0]
                    return [intent, outcome]
                }
            }
            var all: [AuditEvent] = []
            for try await pair in group {
                // Then each append returned its own pair's rows, the outcome after its intent
                #expect(pair[0].event.pair == pair[1].event.pair && pair[0].id < pair[1].id)
                all += pair
            }
            return all
        }
        #expect(stored.map(\.id).sorted() == Array(1...400))
        guard case .intact(let count, _) = try await store.verify() else {
            Issue.record("chain broken")
            return
        }
        #expect(count == 400)
        #expect(try await store.unsettledIntents(pair: "pair-7").isEmpty)
    }

    @Test("an append the database refuses fails alone; appends around it are kept")
    func refusedAppendFailsAlone() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try AuditStore.open(stateDirectory: directory.path, wallClock: { Date() })
        // Given appends arriving together, one naming an intent that does not exist (a foreign key)
        let results = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<50 {
                group.addTask {
                    let event = Self.event("pair-\(index)", .pauseOutcome, intentID: index == 25 ? 999_999 : nil)
                    return (index, (try? await store.append([event], fence: nil)) != nil)
                }
            }
            var results: [Int: Bool] = [:]
            for await (index, ok) in group { results[index] = ok }
            return results
        }
        // Then only that one failed, and the trail holds the other 49, intact
        #expect(results.filter { !$0.value }.map(\.key) == [25])
        #expect(try await store.events().count == 49)
        #expect(try await store.verify() == .intact(count: 49, headHash: try await store.events().last!.hash))
    }
}
