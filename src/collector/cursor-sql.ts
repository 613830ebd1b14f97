/**
 * How a publish-state row reads for one server (issue 9 §5). Each row of `collector_publish_state` remembers
 * the server its cursor refers to (`server_url`); for any other server it counts as nothing published, so a
 * cursor acknowledged by one server can never make another skip what it never received. The fragments
 * expect the row as `p` (LEFT JOINed, so absent rows read as "nothing yet") and the server bound as the named
 * parameter `@url`. A row that names no server matches any; `@url` null (no server configured, read-only
 * tools) reads every row as stored.
 */
export const FOR_SERVER = '(@url IS NULL OR p.server_url IS NULL OR p.server_url = @url)';
export const CURSOR = `(CASE WHEN ${FOR_SERVER} THEN coalesce(p.last_published_seq, 0) ELSE 0 END)`;
export const STATUS = `(CASE WHEN ${FOR_SERVER} THEN coalesce(p.status, 'active') ELSE 'active' END)`;
export const START_ACKED = `(CASE WHEN ${FOR_SERVER} THEN coalesce(p.session_start_acked, 0) ELSE 0 END)`;
