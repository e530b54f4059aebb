import Foundation

/// Every child process a test starts, short-lived or a daemon, is a `DaemonProcess`: spawned
/// with a clean signal mask and no inherited descriptors, reaped by its own PID only.
public typealias ManagedProcess = DaemonProcess

/// Runs a command to completion (bounded) and returns its exit status and output.
/// Output goes to files and stdin comes from one, so no helper thread has to drain a pipe.
public func runCommand(_ executable: String, _ arguments: [String], input: String? = nil, timeout: TimeInterval = 60) throws -> (status: Int32, stdout: String, stderr: String) {
    let result = try CommandRun.run(executable, arguments, input: input, timeout: timeout)
    return (result.status, result.stdout, result.stderr)
}
