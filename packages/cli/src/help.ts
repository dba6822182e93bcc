export const EXIT_CODES = `Exit codes:
  0    done (with --wait: the message reached a final status other than failed, rejected or deleted)
  1    the provider or the network failed (the error's code is printed), with --wait the message
       ended failed, rejected or deleted, or parley itself failed (not built, an unexpected error);
       with --file: a row failed, or is pending from an earlier run (the summary counts them)
  2    bad usage, config or message (CONFIG, VALIDATION, UNSUPPORTED), before any request;
       with --file: a bad header, or bad rows without --skip-invalid (nothing was sent);
       parley simulator: the --port is taken
  3    --wait: no final status within --timeout (the message was sent)
  130  interrupted (Ctrl-C)`;

export const MAIN_HELP = `parley: send WhatsApp Business messages through DecisionTelecom or Wolkvox

Usage:
  parley send --to <phone> (--text <text> | --image <url> | --template <name>) [options]
  parley send --file <recipients.csv> [--template <name>] [--resume] [options]
  parley status <id> [options]
  parley simulator [--port <n>] [--latency <ms>] [--quiet]

Commands:
  send        send one message (--wait follows its status until it is final), or one per
              row of a CSV file (--file: a campaign)
  status      ask the provider for a message's status (a Parley id or the provider's id)
  simulator   run local stand-ins of both providers' APIs, for trying Parley offline

Configuration (first found wins):
  --dsn <dsn>             e.g. decisiontelecom://API_KEY@default?sender=Acme
                               wolkvox://TOKEN@default?server=0042&connector=1
  PARLEY_DSN              the same, from the environment
  PARLEY_PROVIDER         plus PARLEY_<PROVIDER>_<FIELD>, e.g. PARLEY_WOLKVOX_TOKEN
  --set <field=value>     override one config field (repeatable)

State (idempotency keys, and the records "parley status" reads in a later run):
  --state <dir>           keep it in <dir> (default $XDG_STATE_HOME/parley, else ~/.local/state/parley)
  --redis <url>           keep it in Redis instead, shared with other processes (@parley/redis)

Global options:
  --json                  machine-readable output on stdout (one JSON object per line);
                          progress and messages for people go to stderr
  -h, --help              show help (also: parley <command> --help)
  -v, --version           show the version

${EXIT_CODES}`;

export const SEND_HELP = `Usage: parley send --to <phone> (--text <text> | --image <url> | --template <name>) [options]
       parley send --file <recipients.csv> [--template <name> [--language <code>]] [options]

Message:
  --to <phone>            recipient in international form, e.g. "+57 300 123 4567"
  --text <text>           a text message
  --image <url>           an image (https URL ending in .jpg, .jpeg or .png)
  --caption <text>        the image's caption
  --template <name>       a registered template
  --var <value>           a template variable, in order (repeatable)
  --language <code>       the template's language, e.g. es or en_US

Options:
  --wait                  follow the message's status until it is final (or --timeout); polls
                          twice a second unless the config sets tracking.* fields
  --timeout <seconds>     how long --wait follows it (default 300; then exit 3)
  --idempotency-key <k>   send at most once for this key, across runs (kept in the state)
  --dsn, --set, --json    see parley --help
  --state, --redis        see parley --help

Campaign (--file):
  --file <csv>            one message per row: a 'to' column, and a 'text' column, or --template
                          with var1..varN columns (the template's variables, in order) and
                          optionally a 'language' column; the header is row 1. Every row is
                          checked before the first send; a bad one stops it (exit 2)
  --skip-invalid          report bad rows as failed and send the others
  --ignore-columns <a,b>  columns to leave unused (others than those above are refused)
  --resume                keep a journal in the state, so a rerun sends nothing twice: rows sent
                          before are "already_sent", rows whose send was cut off "pending"
  --resend-pending        with --resume: send pending rows again (check them first)
  --campaign <name>       with --resume: the journal's name (default: the file's absolute path)
  --json                  one line per row on stdout: {row, ok, status, id | error}
  A progress bar (sent, failed, msg/s, ETA) and a summary go to stderr; without a terminal,
  plain progress lines at each tenth of the rows.

Examples:
  parley send --dsn "$DSN" --to "+57 300 123 4567" --text "Hola" --wait
  parley send --to 573001234567 --template order_ready --var Ana --var 42 --language es
  parley send --file reminders.csv --template order_ready --language es --resume`;

export const STATUS_HELP = `Usage: parley status <id> [--dsn <dsn>] [--json] [--state <dir> | --redis <url>]

Asks the provider for a message's current status. <id> is the id printed by "parley send"
(found in the state that run kept) or the provider's own message id. Wolkvox has no status API.`;

export const SIMULATOR_HELP = `Usage: parley simulator [--port <n>] [--latency <ms>] [--quiet] [--json]

Runs local stand-ins of the DecisionTelecom and Wolkvox APIs on 127.0.0.1 until Ctrl-C, and
prints DSNs that point Parley at them. Any key or token is accepted. Each request it answers is
logged as one line (time, provider, method and endpoint, HTTP status); --quiet turns that off.
A --port already in use is exit 2.`;
