/// Who may use the console socket (issue: the management plane). The socket file is created
/// 0600, so the file system already keeps others out; this is the second lock, checked on every
/// connection with the kernel's word for the peer (SO_PEERCRED), in case the file's mode or a
/// directory around it is ever loosened.
public enum ControlPeerPolicy {
    /// Root, or the user the daemon runs as (the socket's owner).
    public static func admits(peerUID: UInt32, socketOwnerUID: UInt32) -> Bool {
        peerUID == 0 || peerUID == socketOwnerUID
    }

    /// What a refused peer reads before the connection closes (one reply line of the protocol).
    public static let refusal = ConsoleReply.error("Error: Permission denied: the console is for root only")
}
