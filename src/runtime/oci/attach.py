#!/usr/bin/python3
# Attach for kite: conmon serves a running container's stdio on `<bundle>/attach`, a SOCK_SEQPACKET
# unix socket, which Node cannot open. This helper connects to it and relays, as podman's attach
# does:
#   - each packet from conmon is one read of the container's output, its first byte naming the
#     stream (2 stdout, 3 stderr): the rest goes to this helper's stdout or its fd 3 (its own
#     stderr is kept for its own errors);
#   - what arrives on stdin is sent to conmon, which writes it to the container's stdin (when the
#     container was created with stdin); stdin's end shuts our side down, which makes conmon close
#     the container's stdin unless it runs with --leave-stdin-open (stdinOnce: false);
#   - it exits 0 when conmon closes the socket (the container ended), 1 if it cannot connect.
# usage: attach.py BUNDLE_DIR [--no-stdin]   (without stdin, this client never ends the container's)
import os, select, socket, sys

STDOUT_PIPE, STDERR_PIPE = 2, 3

def write_all(fd, data):
    while data:
        n = os.write(fd, data)
        data = data[n:]

def main():
    # The bundle path can be longer than sun_path allows: connect relative to it.
    os.chdir(sys.argv[1])
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        sock.connect("attach")
    except OSError as e:
        sys.stderr.write("cannot attach to the container: %s\n" % e)
        sys.exit(1)
    stdin_open = "--no-stdin" not in sys.argv[2:]
    while True:
        fds = [sock] + ([0] if stdin_open else [])
        ready, _, _ = select.select(fds, [], [])
        if sock in ready:
            # conmon sends at most 1 + 8192 bytes a packet; a smaller buffer would truncate it.
            packet = sock.recv(65536)
            if not packet:
                return
            if packet[0] == STDOUT_PIPE:
                write_all(1, packet[1:])
            elif packet[0] == STDERR_PIPE:
                write_all(3, packet[1:])
        if stdin_open and 0 in ready:
            data = os.read(0, 32767)  # conmon reads at most 32767 bytes a packet
            if data:
                sock.sendall(data)
            else:
                stdin_open = False
                sock.shutdown(socket.SHUT_WR)

try:
    main()
except (BrokenPipeError, KeyboardInterrupt):
    pass
