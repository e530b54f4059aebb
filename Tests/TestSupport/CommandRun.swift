import Foundation

/// Runs a short-lived command to completion with its output going to files, polling for its
/// exit. Unlike `runCommand` it needs no helper threads to drain pipes: with many synchronous
/// tests running at once on a small machine, work queued for such threads may never run.
public struct CommandRun: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool

    public static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 60) throws -> CommandRun {
        let scratch = try TemporaryDirectory(prefix: "run")
        let process = try ManagedProcess(executable, arguments, directory: scratch.url)
        let exited = waitUntil(timeout: timeout) { !process.isRunning }
        if !exited { process.stop(signal: SIGKILL, timeout: 5) }
        return CommandRun(status: process.isRunning ? -1 : process.process.terminationStatus,
                          stdout: process.standardOutput, stderr: process.standardError, timedOut: !exited)
    }
}
