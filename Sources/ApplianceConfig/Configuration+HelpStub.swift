// Stand-in until the command table lands; removed when it does.
extension Configuration {
    public static func helpText(for words: [String]) -> Result<String, CommandError> { .success("") }
    public static func commandList() -> String { "" }
}
public enum CLIReference {
    public static func pages() -> [(fileName: String, markdown: String)] { [] }
}
