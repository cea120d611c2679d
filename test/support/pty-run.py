"""Runs a command in a pseudo-terminal: stdin goes to the terminal as keys, the screen's bytes
come out on stdout, and the exit code is the command's. Usage: pty-run.py COLS ROWS CMD [ARGS...]"""
import fcntl, os, pty, select, struct, subprocess, sys, termios

cols, rows, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
child = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True, close_fds=True)
os.close(slave)
stdin_open = True
while True:
    fds = [master] + ([0] if stdin_open else [])
    ready, _, _ = select.select(fds, [], [], 0.1)
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b''
        if not data:
            break
        os.write(1, data)
    if stdin_open and 0 in ready:
        data = os.read(0, 65536)
        if data:
            os.write(master, data)
        else:
            stdin_open = False
    if child.poll() is not None and not select.select([master], [], [], 0.05)[0]:
        break
sys.exit(child.wait())
