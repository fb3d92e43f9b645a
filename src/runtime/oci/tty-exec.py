#!/usr/bin/python3
# `runc exec --tty` for kite: runc hands the pty master over a console socket (SCM_RIGHTS), which
# Node cannot receive, so this helper does what conmon does for podman's exec:
#   - becomes a child subreaper, so the exec'd process is re-parented to it when `runc exec -d`
#     returns, and its exit status can be collected;
#   - listens on the console socket, receives the master, relays it to/from its stdin/stdout;
#   - reads "WIDTH HEIGHT" lines on fd 3 and applies them to the pty (TIOCSWINSZ);
#   - exits with the process's exit code (128+signal when killed), 255 when runc itself failed.
# usage: tty-exec.py SOCKET PIDFILE WIDTHxHEIGHT|- -- RUNTIME [global args] exec -d --tty ... ID CMD...
import ctypes, errno, fcntl, os, select, socket, struct, sys, termios

def main():
    sock_path, pid_file, initial = sys.argv[1], sys.argv[2], sys.argv[3]
    argv = sys.argv[5:]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)
    srv.listen(1)
    runc = os.fork()
    if runc == 0:
        srv.close()
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.execv(argv[0], argv)
    srv.settimeout(30)
    master = None
    try:
        conn, _ = srv.accept()
        _, fds, _, _ = socket.recv_fds(conn, 4096, 1)
        master = fds[0]
        conn.close()
    except Exception as e:
        sys.stderr.write("no console from runtime: %s\n" % e)
    srv.close()
    os.unlink(sock_path)
    _, status = os.waitpid(runc, 0)
    if master is None or os.waitstatus_to_exitcode(status) != 0:
        sys.exit(255)
    pid = int(open(pid_file).read().strip())
    if initial != "-":
        w, h = (int(x) for x in initial.split("x"))
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", h, w, 0, 0))
    resize = 3
    try:
        os.fstat(resize)
    except OSError:
        resize = None
    os.set_blocking(master, False)
    stdin_open = True
    pending = b""
    code = None
    def drain():
        while True:
            try:
                data = os.read(master, 65536)
            except BlockingIOError:
                return True
            except OSError as e:
                if e.errno == errno.EIO:
                    return False
                raise
            if not data:
                return False
            os.write(1, data)
    while code is None:
        rlist = [master]
        if stdin_open:
            rlist.append(0)
        if resize is not None:
            rlist.append(resize)
        r, _, _ = select.select(rlist, [], [], 0.05)
        if master in r:
            if not drain():
                pass
        if stdin_open and 0 in r:
            data = os.read(0, 65536)
            if data:
                os.write(master, data)
            else:
                stdin_open = False
                # EOF from the client: the terminal's EOF character, as a user's ^D would be.
                try:
                    os.write(master, b"\x04")
                except OSError:
                    pass
        if resize is not None and resize in r:
            data = os.read(resize, 4096)
            if not data:
                resize = None
            else:
                pending += data
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    w, h = (int(x) for x in line.split())
                    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", h, w, 0, 0))
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            code = os.waitstatus_to_exitcode(status)
    try:
        drain()
    except OSError:
        pass
    sys.exit(code if code >= 0 else 128 - code)

main()
