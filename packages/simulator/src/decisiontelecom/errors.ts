/** DecisionTelecom's error shape (Yii2's): `{name, message, code, status}`; `status` repeats the intended HTTP status. */
export interface DtErrorBody {
  readonly name: string;
  readonly message: string;
  readonly code: number;
  readonly status: number;
}

const INTERNAL_MESSAGE =
  'The server encountered an unexpected condition which prevented it from fulfilling the request';

/** Code 1: the body names the field in brackets (`Invalid Parameter: [source_addr]`, as the seeds' table). The message is the seeds' text, word for word. */
export function invalidParameter(field: string): DtErrorBody {
  return {
    name: `Invalid Parameter: [${field}]`,
    message: 'Empty parameter or parameter validation error',
    code: 1,
    status: 400,
  };
}

/** Code 2 (also 4, 5, 6 in the seeds): a provider fault. */
export function internalError(code: 2 | 4 | 5 | 6 = 2): DtErrorBody {
  return { name: 'Internal server error', message: INTERNAL_MESSAGE, code, status: 500 };
}

export const RATE_LIMITED: DtErrorBody = {
  name: 'Too Many Requests',
  message: 'Rate limit exceeded',
  code: 0,
  status: 429,
};

export const BALANCE_EMPTY: DtErrorBody = {
  name: 'Topup balance is required',
  message: 'User balance is empty',
  code: 3,
  status: 402,
};

export const SESSION_WINDOW_CLOSED: DtErrorBody = {
  name: 'Service Unavailable',
  message:
    'Message failed to send because more than 24 hours have passed since the customer last replied to this number. In this case, you can only send a template message',
  code: 7,
  status: 503,
};

/** The seeds spell it "credintals"; kept as the provider sends it. */
export const INVALID_MIME_TYPE: DtErrorBody = {
  name: 'Invalid credintals for file_url',
  message: 'Invalid MIME type file_url',
  code: 8,
  status: 401,
};

export const INVALID_FILE_EXTENSION: DtErrorBody = {
  name: 'Invalid credintals for file_url',
  message: 'Invalid file extension',
  code: 9,
  status: 401,
};

/**
 * Undocumented; this is what Yii2's HTTP Basic auth filter answers, the framework whose error
 * shape the API uses. Note `code` 0, as in a 429: tell them apart by HTTP status or `status`.
 */
export const UNAUTHORIZED: DtErrorBody = {
  name: 'Unauthorized',
  message: 'Your request was made with invalid credentials.',
  code: 0,
  status: 401,
};

/** Undocumented; Yii2's answer to a body that is not JSON. */
export const BAD_JSON: DtErrorBody = {
  name: 'Bad Request',
  message: 'Invalid JSON data in request body: Syntax error.',
  code: 0,
  status: 400,
};

export const NOT_FOUND: DtErrorBody = { name: 'Not Found', message: 'Page not found.', code: 0, status: 404 };

export const METHOD_NOT_ALLOWED: DtErrorBody = {
  name: 'Method Not Allowed',
  message: 'Method Not Allowed. This URL can only handle the following request methods: POST.',
  code: 0,
  status: 405,
};
