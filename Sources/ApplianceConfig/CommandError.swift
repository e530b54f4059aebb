/// An error the console prints, worded as the router words it (one line, `Error: …`).
public struct CommandError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    public static let invalidCommandName = CommandError("Error: Invalid command name")
    public static let wrongParameterCount = CommandError("Error: Insufficient or too many parameters")
    public static let illegalKeyword = CommandError("Error: Illegal keyword")
    public static let parameterOutOfRange = CommandError("Error: Parameter out of range")
    public static let parameterMustBeInteger = CommandError("Error: Parameter must be an integer")
}
