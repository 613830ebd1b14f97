/**
 * Secret redaction (src/collector/redact): each built-in detector on positive samples (the secret is replaced
 * by `[REDACTED:<kind>]`, the text around it kept) and on negative samples (ordinary code, hashes, UUIDs,
 * base64, prose), custom patterns, and the config's validation of `redact_patterns`.
 *
 * The fake credentials are assembled at run time so the repository holds no string a secret scanner would flag.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRedactor, redactDeep } from '../../src/collector/redact/index.js';
import { redactPatternProblems, resolveCollector } from '../../src/config/collector.js';

const redact = createRedactor();
const alnum = (n: number, seed = 'Ab3dE9xQ7mK2pL5z') => seed.repeat(Math.ceil(n / seed.length)).slice(0, n);
const b64url = (n: number) =>
  Buffer.from(alnum(n * 2))
    .toString('base64url')
    .slice(0, n);

const AWS_ID = `AKIA${'Q7M2K5P3Z9X4W8R6'}`;
const AWS_SECRET = `${alnum(38, 'wJalrXUtnF/EMI+K7MDENGbPxRfiCY')}Zz`;
const GITHUB = `ghp_${alnum(36)}`;
const GITHUB_PAT = `github_pat_${alnum(22)}_${alnum(59)}`;
const GITLAB = `glpat-${alnum(20)}`;
const SLACK = `xoxb-${'123456789012'}-${'1234567890123'}-${alnum(24)}`;
const SLACK_HOOK = `https://hooks.slack.com/services/T0${alnum(8).toUpperCase()}/B0${alnum(8).toUpperCase()}/${alnum(24)}`;
const OPENAI_LEGACY = `sk-${alnum(48)}`;
const OPENAI_PROJECT = `sk-proj-${b64url(120)}`;
const ANTHROPIC = `sk-ant-api03-${b64url(93)}AA`;
const GCP = `AIza${alnum(35)}`;
const AZURE = `${alnum(86)}==`;
const JWT = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${Buffer.from('{"sub":"1234567890","name":"x"}').toString('base64url')}.${b64url(43)}`;
const PEM_BODY = `${alnum(64)}\n${alnum(64)}\n${alnum(20)}`;
const PEM = `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----`;

describe('built-in detectors: positive samples', () => {
  it.each([
    [
      'aws_access_key',
      `export AWS_ACCESS_KEY_ID=${AWS_ID}`,
      `export AWS_ACCESS_KEY_ID=[REDACTED:aws_access_key]`,
    ],
    [
      'aws_secret_key',
      `aws_secret_access_key = ${AWS_SECRET}`,
      'aws_secret_access_key = [REDACTED:aws_secret_key]',
    ],
    [
      'github_token (classic)',
      `git clone https://${GITHUB}@github.com/o/r`,
      'git clone https://[REDACTED:github_token]@github.com/o/r',
    ],
    [
      'github_token (fine-grained)',
      `GH_TOKEN=${GITHUB_PAT} gh pr list`,
      'GH_TOKEN=[REDACTED:github_token] gh pr list',
    ],
    ['gitlab_token', `token: ${GITLAB}`, 'token: [REDACTED:gitlab_token]'],
    ['slack_token', `"${SLACK}"`, '"[REDACTED:slack_token]"'],
    [
      'slack_webhook',
      `curl -X POST ${SLACK_HOOK}`,
      'curl -X POST https://hooks.slack.com/services/[REDACTED:slack_webhook]',
    ],
    [
      'openai_api_key (legacy)',
      `OPENAI_API_KEY=${OPENAI_LEGACY}`,
      'OPENAI_API_KEY=[REDACTED:openai_api_key]',
    ],
    ['openai_api_key (project)', `key: ${OPENAI_PROJECT}.`, 'key: [REDACTED:openai_api_key].'],
    ['anthropic_api_key', `ANTHROPIC_API_KEY=${ANTHROPIC}`, 'ANTHROPIC_API_KEY=[REDACTED:anthropic_api_key]'],
    ['gcp_api_key', `?key=${GCP}&q=1`, '?key=[REDACTED:gcp_api_key]&q=1'],
    [
      'azure_storage_key',
      `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${AZURE};EndpointSuffix=core.windows.net`,
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=[REDACTED:azure_storage_key];EndpointSuffix=core.windows.net',
    ],
    ['jwt', `Authorization: Bearer ${JWT}`, 'Authorization: Bearer [REDACTED:jwt]'],
    ['private_key', `key file:\n${PEM}\nend`, 'key file:\n[REDACTED:private_key]\nend'],
    [
      'private_key (cut off by a truncated output)',
      `-----BEGIN OPENSSH PRIVATE KEY-----\n${PEM_BODY}`,
      '[REDACTED:private_key]',
    ],
    [
      'url_credentials',
      'psql postgres://app:S3cr3t-pw@db.internal:5432/app',
      'psql postgres://app:[REDACTED:url_credentials]@db.internal:5432/app',
    ],
    [
      'password_assignment (env)',
      'DB_PASSWORD=hunter2-prod\nDB_USER=app',
      'DB_PASSWORD=[REDACTED:password_assignment]\nDB_USER=app',
    ],
    [
      'password_assignment (quoted)',
      'password = "correct horse battery"',
      'password = "[REDACTED:password_assignment]"',
    ],
    [
      'password_assignment (JSON)',
      '{"user": "a", "password": "p4ss!word"}',
      '{"user": "a", "password": "[REDACTED:password_assignment]"}',
    ],
    [
      'password_assignment (YAML, single quotes)',
      "  password: 'Tr0ub4dor&3'",
      "  password: '[REDACTED:password_assignment]'",
    ],
    [
      'password_assignment (secret key)',
      'SECRET_KEY="django-insecure-7f3k2"',
      'SECRET_KEY="[REDACTED:password_assignment]"',
    ],
    [
      'password_assignment (client_secret)',
      'client_secret=Zm9vYmFy123&grant_type=x',
      'client_secret=[REDACTED:password_assignment]&grant_type=x',
    ],
    [
      'password_assignment (flag)',
      'mysql --password=letmein42 -u root',
      'mysql --password=[REDACTED:password_assignment] -u root',
    ],
    ['password_assignment (Go)', 'secret := "abc123def"', 'secret := "[REDACTED:password_assignment]"'],
    [
      'password_assignment (JSON-escaped inside a string)',
      String.raw`{\"password\": \"hunter22\"}`,
      String.raw`{\"password\": \"[REDACTED:password_assignment]\"}`,
    ],
  ])('%s', (_kind, input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('redacts several secrets of different kinds in one string, and is idempotent', () => {
    const text = `a ${GITHUB} b ${AWS_ID} c ${JWT} d`;
    const once = redact(text);
    expect(once).toBe('a [REDACTED:github_token] b [REDACTED:aws_access_key] c [REDACTED:jwt] d');
    expect(redact(once)).toBe(once);
  });

  it('applies to every string inside a JSON value, keys untouched', () => {
    const value = { cmd: `export T=${GITHUB}`, nested: [{ k: `x ${SLACK}` }, 7, null], n: 1 };
    expect(redactDeep(value, redact)).toEqual({
      cmd: 'export T=[REDACTED:github_token]',
      nested: [{ k: 'x [REDACTED:slack_token]' }, 7, null],
      n: 1,
    });
  });
});

describe('secret-named fields of parsed objects (tool parameters, raw_data)', () => {
  it('a string under a password/secret key is redacted whole; placeholders, other keys and non-strings are kept', () => {
    const input = {
      user: 'app',
      password: 'hunter2-prod',
      db: { dbPassword: 'x9-long', client_secret: 'cs-123', SECRET_KEY: 'k' },
      kept: {
        password: '',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell placeholder, on purpose
        passphrase: '${PASS}',
        secret: true,
        secretName: 'tls-cert',
        password_hash: '$2b$10$abc',
      },
      note: 'the password is in the vault',
    };
    expect(redactDeep(input, redact)).toEqual({
      user: 'app',
      password: '[REDACTED:password_assignment]',
      db: {
        dbPassword: '[REDACTED:password_assignment]',
        client_secret: '[REDACTED:password_assignment]',
        SECRET_KEY: '[REDACTED:password_assignment]',
      },
      kept: input.kept,
      note: 'the password is in the vault',
    });
  });
});

describe('built-in detectors: negative samples', () => {
  const sha1 = createHash('sha1').update('x').digest('hex');
  const sha256 = createHash('sha256').update('x').digest('hex');
  // Deterministic bytes (a hash chain), so the sample is the same on every run.
  const bytes = Buffer.concat(
    Array.from({ length: 94 }, (_, i) => createHash('sha256').update(`blob ${i}`).digest()),
  );
  const base64 = bytes.toString('base64');
  it.each([
    ['a git SHA', `commit ${sha1}\nAuthor: A <a@b.c>`],
    ['a sha256', `sha256:${sha256}  file.tar.gz`],
    ['a UUID', 'session 7e570000-0000-4000-8000-000000000001 started'],
    ['a base64 blob', `data:image/png;base64,${base64}`],
    ...['+', '/'].map((c) => [
      `base64 with a vendor-like run after "${c}"`,
      `${base64.slice(0, 100)}${c}sk-${alnum(40)}${c}${base64.slice(0, 100)}`,
    ]),
    [
      'password as a word in prose',
      'Reset your password from the settings page; the password must be 12 characters.',
    ],
    ['a password hashing plan', '1. Create User model with password hashing\n- bcrypt for password hashing'],
    ['a function parameter', 'def authenticate(username, password):\n    return check(password)'],
    ['a keyword argument passing a variable', 'client = connect(user=user, password=password)'],
    [
      'a keyword argument reading the environment',
      'conn = psycopg.connect(password=os.environ["PGPASSWORD"])',
    ],
    ['a keyword argument calling a function', 'login(password=getpass(), user=u)'],
    ['a TypeScript type annotation', 'interface Login { user: string; password: string }'],
    ['a zod schema', 'const schema = z.object({ password: z.string().min(12) })'],
    ['an assignment from a variable', 'self.password = password\nsecret = load_secret(path)'],
    ['a comparison', 'if password == "":\n    raise ValueError'],
    ['an empty value', 'DB_PASSWORD=\npassword: ""'],
    [
      'placeholders',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell placeholder, on purpose
      'password = "<your-password>"\nPASSWORD=${DB_PASSWORD}\nsecret: "***"\npassword="changeme"\npassword=$PASS',
    ],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell placeholder, on purpose
    ['a placeholder in a URL', 'postgres://user:password@localhost/db and https://u:${TOKEN}@host/x'],
    ['a URL with a user but no password', 'ssh://git@github.com/o/r.git and https://user@example.com/'],
    ['a shell variable', 'export PGPASSWORD="$(pass show db)"'],
    ['a regex about secrets', String.raw`re.compile(r"(token|secret|password|passwd)=([^&\s]+)")`],
    [
      'a sk- identifier with hyphens',
      'see https://example.com/docs/task-management-for-agents and sk-learn-api',
    ],
    ['a public key', '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqh\n-----END PUBLIC KEY-----'],
    ['a truncated JWT-like header', 'eyJhbGciOiJIUzI1NiJ9 alone'],
    [
      'ordinary code',
      'const secretName = props.name;\nfunction getSecret() { return vault.read(secretPath); }\nlet passwordHash = await bcrypt.hash(pw, 10);',
    ],
  ])('%s', (_what, input) => {
    expect(redact(input)).toBe(input);
  });
});

describe('custom patterns', () => {
  it('replace every match with [REDACTED:custom], after the built-in detectors', () => {
    const r = createRedactor(['ACME-[0-9]{6}', 'internal\\.example\\.(?:com|net)']);
    expect(r(`ticket ACME-123456 on internal.example.net with ${GITHUB}`)).toBe(
      'ticket [REDACTED:custom] on [REDACTED:custom] with [REDACTED:github_token]',
    );
  });

  it('an invalid or empty-matching pattern is named by key and index', () => {
    expect(redactPatternProblems(['ok-[0-9]+', '(unclosed', 'a*'])).toEqual([
      expect.stringMatching(/^collector\.redact_patterns\[1\]: invalid regular expression "\(unclosed"/),
      'collector.redact_patterns[2]: "a*" matches the empty string',
    ]);
    const { problems } = resolveCollector({ redact_patterns: ['[z-a]'] }, {});
    expect(problems).toEqual([
      expect.stringMatching(/^collector\.redact_patterns\[0\]: invalid regular expression/),
    ]);
  });
});
