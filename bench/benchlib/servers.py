"""The servers behind every case: Postfix's smtp-sink and a private Dovecot (POP3) in PREFIXlan2."""
import os
import pwd

from .lab import SERVER, SERVER6, wait_listening
from .processes import run, wait_for

POP3_PASSWORD = "secret"
POP3_USER_PREFIX = "load"


def start_smtp_sink(processes, lab):
    # -u: smtp-sink refuses to run as root; -m: simultaneous sessions (default 256) above the 100
    # the matrix opens; backlog 1024.
    process = processes.start("smtp-sink", ["/usr/sbin/smtp-sink", "-u", "nobody", "-m", "1000",
                                            f"{SERVER}:25", "1024"], lab.server)
    if not wait_listening(lab.server, 25):
        raise RuntimeError("smtp-sink did not start: " + processes.log("smtp-sink"))
    # The same sink on the server's IPv6 address, for the IPv6 row.
    processes.start("smtp-sink-ipv6", ["/usr/sbin/smtp-sink", "-u", "nobody", "-m", "1000",
                                       f"[{SERVER6}]:25", "1024"], lab.server)
    if not wait_for(lambda: f"[{SERVER6}]:25" in run(["ss", "-Hltn", "sport = :25"], lab.server, check=False).stdout, 20):
        raise RuntimeError("smtp-sink on IPv6 did not start: " + processes.log("smtp-sink-ipv6"))
    return process


def pop3_message(size, number):
    head = (f"From: <sender@example.com>\r\nTo: <load@example.com>\r\nSubject: pop3 load {number}\r\n"
            f"Message-ID: <pop3-{number}@bench.example>\r\n\r\n").encode()
    line = b"y" * 78 + b"\r\n"
    return head + line * max(1, (size - len(head)) // len(line))


class Dovecot:
    """Private instance, configured like Tests/TestSupport/DovecotInstance.swift: everything under
    one directory that user dovecot can traverse, mail owned by nobody."""

    def __init__(self, directory, clients):
        self.directory = directory
        self.clients = clients
        self.nobody = pwd.getpwnam("nobody")
        os.makedirs(directory, exist_ok=True)
        os.chmod(directory, 0o755)
        for name in ("run", "state", "home"):
            os.makedirs(os.path.join(directory, name), exist_ok=True)
            os.chmod(os.path.join(directory, name), 0o755)

    def users(self):
        return [f"{POP3_USER_PREFIX}{n}" for n in range(self.clients)]

    def fill(self, size, count):
        """Every user's mailbox: exactly `count` messages of about `size` bytes."""
        for user in self.users():
            maildir = os.path.join(self.directory, "home", user, "Maildir")
            for sub in ("new", "cur", "tmp"):
                path = os.path.join(maildir, sub)
                os.makedirs(path, exist_ok=True)
                for name in os.listdir(path):
                    os.unlink(os.path.join(path, name))
            for number in range(count):
                path = os.path.join(maildir, "cur", f"{1700000000 + number}.M{number}P1.bench:2,S")
                with open(path, "wb") as file:
                    file.write(pop3_message(size, number))
            # Dovecot's index of the previous fill must not survive.
            for name in os.listdir(maildir):
                if name.startswith("dovecot"):
                    os.unlink(os.path.join(maildir, name))
            for root, dirs, files in os.walk(os.path.join(self.directory, "home", user)):
                for name in dirs + files:
                    os.chown(os.path.join(root, name), self.nobody.pw_uid, self.nobody.pw_gid)
            home = os.path.join(self.directory, "home", user)
            os.chown(home, self.nobody.pw_uid, self.nobody.pw_gid)
            os.chmod(home, 0o700)

    def write_configuration(self):
        top = self.directory
        with open(os.path.join(top, "users"), "w") as file:
            for user in self.users():
                file.write(f"{user}:{{PLAIN}}{POP3_PASSWORD}::::::\n")
        uid, gid = self.nobody.pw_uid, self.nobody.pw_gid
        config = f"""protocols = pop3
listen = {SERVER}
base_dir = {top}/run
state_dir = {top}/state
log_path = {top}/dovecot.log
info_log_path = {top}/dovecot.log
stats_writer_socket_path =
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = {min(uid, 500)}
first_valid_gid = {min(gid, 500)}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {top}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={top}/home/%u
}}
mail_location = maildir:~/Maildir
pop3_uidl_format = %08Xu%08Xv
service pop3-login {{
  inet_listener pop3 {{
    address = {SERVER}
    port = 110
  }}
  process_min_avail = 4
}}
service pop3 {{
  process_limit = 200
}}
"""
        path = os.path.join(top, "dovecot.conf")
        with open(path, "w") as file:
            file.write(config)
        return path

    def start(self, processes, lab):
        config = self.write_configuration()
        process = processes.start("dovecot", ["/usr/sbin/dovecot", "-F", "-c", config], lab.server)
        if not wait_listening(lab.server, 110):
            raise RuntimeError("dovecot did not start: " + processes.log("dovecot"))
        return process
