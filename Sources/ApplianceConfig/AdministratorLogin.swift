/// The request that enters administrator mode on a console session: the console's own
/// `administrator` command (it prompts for the password) sends it over the control socket.
///
///     administrator mode "PASSWORD"
///
/// Not a configuration command: `administrator` has only the `password` setting below it, so
/// `administrator mode …` can never be mistaken for one (nor abbreviate one). The password is
/// quoted as `show config` quotes values, so any password the console accepts survives.
public enum AdministratorLogin {
    /// Failed passwords one console session may try before further attempts are refused
    /// (a session is a connection: guessing must reconnect, and each try costs a PBKDF2 hash).
    public static let maximumAttempts = 3

    /// The request line for `password`.
    public static func request(password: String) -> String {
        "administrator mode " + CommandTokenizer.quote(password)
    }

    /// The password when `line` is a login request (an empty one when none was given); nil for
    /// every other line.
    public static func password(in line: String) -> String?? {
        guard case .success(let words) = CommandTokenizer.tokenize(line),
              words.count >= 2, words.count <= 3,
              words[0].lowercased() == "administrator", words[1].lowercased() == "mode"
        else { return nil }
        return .some(words.count == 3 ? words[2] : "")
    }
}
