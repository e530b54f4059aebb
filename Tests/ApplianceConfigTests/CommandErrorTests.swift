import Testing
@testable import ApplianceConfig

/// Each applicable error of each command, in the router's words; a refused line changes nothing.
struct CommandErrorTests {
    static let cases: [(String, CommandError)] = [
        // unknown, ambiguous, incomplete
        ("foo", .invalidCommandName),
        ("mail insecurity use on", .invalidCommandName),
        ("mail security frobnicate 1", .invalidCommandName),
        ("mail security s 3", .invalidCommandName),  // smtp / spam
        ("s config", .invalidCommandName),  // show / save / syslog
        ("ysc re 2", .invalidCommandName),  // request / retry
        ("mail security white-list", .wrongParameterCount),
        ("mail security", .wrongParameterCount),
        ("mail security prefix maybe x", .illegalKeyword),
        ("mail security port imap 143", .illegalKeyword),
        ("no show config", .invalidCommandName),
        ("no save", .invalidCommandName),
        ("no", .invalidCommandName),
        ("no foo", .invalidCommandName),
        // parameter counts (the brief's exact case first)
        ("mail security port smtp 1 2 3 4 5", .wrongParameterCount),
        ("mail security port smtp", .wrongParameterCount),
        ("mail security port pop 1 2 3 4 5", .wrongParameterCount),
        ("mail security use", .wrongParameterCount),
        ("mail security use on off", .wrongParameterCount),
        ("mail security prefix spam", .wrongParameterCount),
        ("mail security prefix spam a b", .wrongParameterCount),
        ("mail security max size", .wrongParameterCount),
        ("mail security max size 1 2", .wrongParameterCount),
        ("mail security white-list pattern", .wrongParameterCount),
        ("mail security white-list pattern 1 from=a to=b from=c", .wrongParameterCount),
        ("mail security white-list set 1", .wrongParameterCount),
        ("mail security white-list set enable", .wrongParameterCount),
        ("mail security white-list set enable 1 2", .wrongParameterCount),
        ("ysc url", .wrongParameterCount),
        ("syslog host", .wrongParameterCount),
        ("syslog host a b c d e", .wrongParameterCount),
        ("login timer", .wrongParameterCount),
        ("administrator password", .wrongParameterCount),
        ("administrator password a b", .wrongParameterCount),
        ("login password a b c", .wrongParameterCount),
        ("show config now", .wrongParameterCount),
        ("save all", .wrongParameterCount),
        ("show status mail security history now", .wrongParameterCount),
        ("clear status ysc 1", .wrongParameterCount),
        ("no mail security white-list pattern", .wrongParameterCount),
        ("no mail security white-list set", .wrongParameterCount),
        // keywords
        ("mail security use maybe", .illegalKeyword),
        ("mail security use o", .illegalKeyword),  // on / off
        ("mail security use \"\"", .illegalKeyword),
        ("mail security smtp size overflow drop", .illegalKeyword),
        ("mail security smtp detect illegal mail delete", .illegalKeyword),
        ("mail security inactive transfer hold", .illegalKeyword),
        ("mail security white-list pattern 1 sender=a@b", .illegalKeyword),
        ("mail security white-list pattern 1 a@b", .illegalKeyword),
        ("mail security white-list pattern 1 from=", .illegalKeyword),
        ("mail security white-list pattern 1 from=a from=b", .illegalKeyword),
        ("mail security white-list pattern 1 \"from=a b\"", .illegalKeyword),
        ("mail security white-list pattern 1 =x", .illegalKeyword),
        ("syslog facility local8", .illegalKeyword),
        ("syslog facility l", .illegalKeyword),
        ("syslog info yes", .illegalKeyword),
        ("syslog debug 1", .illegalKeyword),
        ("syslog notice", .wrongParameterCount),
        ("syslog format json", .illegalKeyword),
        ("show status mail security everything", .illegalKeyword),
        ("login timer forever", .parameterMustBeInteger),
        // integers
        ("mail security max size 0", .parameterOutOfRange),
        ("mail security max size abc", .parameterMustBeInteger),
        ("mail security max size 1.5", .parameterMustBeInteger),
        ("mail security max size -1", .parameterOutOfRange),
        ("mail security max size 99999999999999999999999", .parameterOutOfRange),
        ("mail security max size ５", .parameterMustBeInteger),
        ("mail security port smtp 25 x", .parameterMustBeInteger),
        ("mail security port smtp 25 0", .parameterOutOfRange),
        ("mail security white-list pattern x", .parameterMustBeInteger),
        ("mail security white-list set 1 x", .parameterMustBeInteger),
        ("mail security white-list set 1 101", .parameterOutOfRange),
        ("no mail security white-list pattern 101", .parameterOutOfRange),
        ("no mail security white-list pattern x", .parameterMustBeInteger),
        // strings
        ("mail security prefix spam " + String(repeating: "x", count: 65), .tooLongString),
        ("mail security prefix spam \"\"", .illegalString),
        ("mail security prefix spam \"a\u{7}b\"", .illegalString),
        ("mail security prefix spam \"a\rb\"", .illegalString),
        ("mail security white-list pattern 1 from=" + String(repeating: "x", count: 255), .tooLongString),
        ("administrator password " + String(repeating: "p", count: 65), .tooLongString),
        ("login password \"\"", .illegalString),
        ("administrator password encrypted nothash", .illegalEncryptedPassword),
        ("administrator password encrypted $pbkdf2-sha256$10$00$00", .illegalEncryptedPassword),
        ("login password plain text", .wrongParameterCount),
        // addresses
        ("mail security smtp from address a@", .illegalAddress),
        ("mail security smtp from address @example.com", .illegalAddress),
        ("mail security smtp from address a@@example.com", .illegalAddress),
        ("mail security smtp from address a@b@c", .illegalAddress),
        ("mail security smtp from address a..b@example.com", .illegalAddress),
        ("mail security smtp from address a@-example.com", .illegalAddress),
        ("mail security smtp from address a@exa_mple.com", .illegalAddress),
        ("mail security smtp to address \"two words\"", .illegalAddress),
        ("mail security smtp to address .dot", .illegalAddress),
        ("mail security smtp to address " + String(repeating: "l", count: 65), .illegalAddress),
        ("syslog host 256.1.1.1", .illegalAddress),
        ("syslog host 192.0.2.01", .illegalAddress),
        ("syslog host host_name", .illegalAddress),
        ("syslog host 192.0.2.1:", .illegalAddress),
        ("syslog host 192.0.2.1:x", .illegalAddress),
        ("syslog host 192.0.2.1:0", .parameterOutOfRange),
        ("syslog host 192.0.2.1:65536", .parameterOutOfRange),
        ("syslog host [::1]x", .illegalAddress),
        ("syslog host [192.0.2.1]:514", .illegalAddress),
        ("syslog host 1:2:3", .illegalAddress),
        ("syslog host 1::2::3", .illegalAddress),
        ("syslog host 1:2:3:4:5:6:7:8:9", .illegalAddress),
        ("syslog host [::1", .illegalAddress),
        ("ysc url http://ysc.example.com/", .illegalAddress),
        ("ysc url https://", .illegalAddress),
        ("ysc url https:///path", .illegalAddress),
        ("ysc url https://user@host/", .illegalAddress),
        ("ysc url https://host:99999/", .parameterOutOfRange),
        ("ysc url https://host/a\\ b", .illegalAddress),
        ("ysc url https://2001:db8::1/", .illegalAddress),
        ("ysc url ftp://host/", .illegalAddress),
        // tokenizer
        ("mail security prefix spam \"open", .unterminatedQuote),
        ("mail security prefix spam 'open", .unterminatedQuote),
        ("mail security prefix spam x\\", .danglingEscape),
    ]

    @Test(arguments: cases)
    func refusesWithTheRouterError(line: String, error: CommandError) {
        var config = Configuration()
        _ = config.execute("mail security white-list pattern 5 from=*@a")
        let before = config
        #expect(config.execute(line) == .failure(error))
        #expect(config == before)
    }

    @Test func errorMessagesAreTheRouterWords() {
        #expect(CommandError.invalidCommandName.description == "Error: Invalid command name")
        #expect(CommandError.wrongParameterCount.description == "Error: Insufficient or too many parameters")
        #expect(CommandError.illegalKeyword.description == "Error: Illegal keyword")
        #expect(CommandError.parameterOutOfRange.description == "Error: Parameter out of range")
        #expect(CommandError.parameterMustBeInteger.description == "Error: Parameter must be an integer")
    }
}
