export const MAIN_HELP = `parley: send WhatsApp Business messages through DecisionTelecom or Wolkvox

Usage:
  parley send --to <phone> (--text <text> | --image <url> | --template <name>) [options]
  parley status <id> [options]
  parley simulator [--port <n>] [--latency <ms>]

Commands:
  send        send one message; --wait follows its status until it is final
  status      ask the provider for a message's status (a Parley id or the provider's id)
  simulator   run local stand-ins of both providers' APIs, for trying Parley offline

Configuration (first found wins):
  --dsn <dsn>             e.g. decisiontelecom://API_KEY@default?sender=Acme
                               wolkvox://TOKEN@default?server=0042&connector=1
  PARLEY_DSN              the same, from the environment
  PARLEY_PROVIDER         plus PARLEY_<PROVIDER>_<FIELD>, e.g. PARLEY_WOLKVOX_TOKEN
  --set <field=value>     override one config field (repeatable)

Global options:
  --json                  machine-readable output (one JSON object per line)
  -h, --help              show help (also: parley <command> --help)
  -v, --version           show the version

Exit codes: 0 success, 1 the provider or network failed, 2 bad usage, config or message.`;

export const SEND_HELP = `Usage: parley send --to <phone> (--text <text> | --image <url> | --template <name>) [options]

Message:
  --to <phone>            recipient in international form, e.g. "+57 300 123 4567"
  --text <text>           a text message
  --image <url>           an image (https URL ending in .jpg, .jpeg or .png)
  --caption <text>        the image's caption
  --template <name>       a registered template
  --var <value>           a template variable, in order (repeatable)
  --language <code>       the template's language, e.g. es or en_US

Options:
  --wait                  follow the message's status until it is final (or --timeout)
  --timeout <seconds>     how long --wait follows it (default 300)
  --idempotency-key <k>   send at most once for this key
  --dsn, --set, --json    see parley --help

Examples:
  parley send --dsn "$DSN" --to "+57 300 123 4567" --text "Hola" --wait
  parley send --to 573001234567 --template order_ready --var Ana --var 42 --language es`;

export const STATUS_HELP = `Usage: parley status <id> [--dsn <dsn>] [--json]

Asks the provider for a message's current status. <id> is the id printed by "parley send"
or the provider's own message id. Wolkvox has no status API.`;

export const SIMULATOR_HELP = `Usage: parley simulator [--port <n>] [--latency <ms>]

Runs local stand-ins of the DecisionTelecom and Wolkvox APIs on 127.0.0.1 until Ctrl-C, and
prints DSNs that point Parley at them. Any key or token is accepted.`;
