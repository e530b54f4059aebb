/// A line of a configuration file that could not be applied.
public struct ConfigLoadProblem: Equatable, Sendable {
    public let lineNumber: Int
    public let line: String
    public let error: CommandError

    public init(lineNumber: Int, line: String, error: CommandError) {
        self.lineNumber = lineNumber
        self.line = line
        self.error = error
    }
}
