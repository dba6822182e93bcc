// cold-send reference: a bare node start that prints a line and exits (no request).
process.stdout.write('0\n');
process.exit(0);
