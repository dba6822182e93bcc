/** Wolkvox's answer shape: `{code, error, msg}` (wolkvox.com/en/api-response-codes). */
export interface WolkvoxBody {
  readonly code: number;
  readonly error: string | null;
  readonly msg: string;
}

/** Sent with HTTP 200: the body's `code` is 201. */
export const SENT: WolkvoxBody = { code: 201, error: null, msg: 'Message has been sent successfully' };

export const API_NOT_FOUND: WolkvoxBody = {
  code: 400,
  error: 'BAD REQUEST',
  msg: 'THE API YOU WANT TO CONSULT DOES NOT EXIST',
};

export const PARAMETERS_REQUIRED: WolkvoxBody = {
  code: 400,
  error: 'BAD REQUEST',
  msg: 'SOME PARAMETERS ARE REQUIRED',
};

export const TOKEN_MISSING: WolkvoxBody = { code: 401, error: 'UNAUTHORIZED', msg: 'PLEASE ENTER THE WOLKVOX-TOKEN' };

export const TOKEN_INVALID: WolkvoxBody = { code: 403, error: 'FORBIDDEN', msg: 'PLEASE VALIDATE TOKEN' };

export const DAILY_LIMIT: WolkvoxBody = { code: 403, error: 'FORBIDDEN', msg: 'TOKEN LIMIT EXCEEDED' };

/** The documented text says "(2)"; a simulator configured otherwise names its own limit. */
export function tooManySimultaneous(max: number): WolkvoxBody {
  return { code: 403, error: 'FORBIDDEN', msg: `EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (${max})` };
}

/** Documented only as "(server maintenance or backup)": the wording is the simulator's. */
export const MAINTENANCE: WolkvoxBody = {
  code: 403,
  error: 'FORBIDDEN',
  msg: 'THE SERVER IS IN MAINTENANCE OR BACKUP, PLEASE TRY AGAIN LATER',
};

/** Undocumented: the wording is the simulator's, chosen to speak of the window and of templates. */
export const WINDOW_CLOSED: WolkvoxBody = {
  code: 403,
  error: 'FORBIDDEN',
  msg: 'THE 24-HOUR CONVERSATION WINDOW IS CLOSED: ONLY A TEMPLATE MAY BE SENT',
};

/** Not JSON at all: what the gateway in front of the PHP answers when it falls over. */
export const BAD_GATEWAY_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

export const NOT_FOUND_HTML =
  '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
