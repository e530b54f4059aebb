/// An error the console prints, worded as the router words it (one line, `Error: …`).
public struct CommandError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    /// An unknown or ambiguous command word (also an incomplete `no` target or an operation after `no`).
    public static let invalidCommandName = CommandError("Error: Invalid command name")
    /// Too few or too many words after the command.
    public static let wrongParameterCount = CommandError("Error: Insufficient or too many parameters")
    /// A value that must be one of a set of keywords (or a `from=`/`to=` word) is not.
    public static let illegalKeyword = CommandError("Error: Illegal keyword")
    public static let parameterOutOfRange = CommandError("Error: Parameter out of range")
    public static let parameterMustBeInteger = CommandError("Error: Parameter must be an integer")

    /// A mail address, account, host or URL that does not have the required shape.
    public static let illegalAddress = CommandError("Error: Illegal address")
    /// A string value (prefix, password, white-list keyword) longer than its limit.
    public static let tooLongString = CommandError("Error: Too long string")
    /// A string value that is empty or contains control characters.
    public static let illegalString = CommandError("Error: Illegal string")
    /// `… password encrypted HASH` where HASH is not a hash this firmware writes.
    public static let illegalEncryptedPassword = CommandError("Error: Illegal encrypted password")
    /// A list setting already holds its maximum number of entries (`mail security tls exempt`,
    /// `… server-certificate`).
    public static let tooManyEntries = CommandError("Error: Too many entries")
    /// A quote opened and never closed.
    public static let unterminatedQuote = CommandError("Error: Unterminated quoted string")
    /// A backslash as the last character of the line.
    public static let danglingEscape = CommandError("Error: Backslash at end of line")
    /// A line over `CommandLimits.maxLineLength` bytes.
    public static let lineTooLong = CommandError("Error: Too long command line")
    /// An operational command (`show …`, `save`, …) found in a configuration file.
    public static let notAConfigurationCommand = CommandError("Error: Not a configuration command")
}
