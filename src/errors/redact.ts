/**
 * The secrets paketo has sent somewhere (registry passwords, Basic and Bearer tokens), and any
 * text with them taken out. Whoever sends a credential adds it here; whatever prints text runs it
 * through `redact`, so a secret a server echoes back, in whatever message or log line, is never
 * shown. One per process, made by the CLI and handed down; libraries make their own when not given one.
 */
export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  /**
   * Secrets shorter than this are not redacted from free text: they would match ordinary words.
   * (They are still covered inside the longer Basic token they are sent in.)
   */
  static readonly MIN_LENGTH = 4;

  static readonly MARK = "<redacted>";

  /** Adds a secret, and the forms it travels in (URL- and JSON-escaped). */
  add(secret: string | undefined): void {
    if (!secret || secret.length < Redactor.MIN_LENGTH) return;
    const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
    for (const f of forms) {
      if (!this.secrets.has(f)) {
        this.secrets.add(f);
        this.pattern = undefined;
      }
    }
  }

  /** Adds what an HTTP Authorization header carries: a Basic token and the password in it, or a Bearer token. */
  addAuthorization(header: string | undefined): void {
    if (!header) return;
    const [scheme, value] = [header.slice(0, header.indexOf(" ")).toLowerCase(), header.slice(header.indexOf(" ") + 1).trim()];
    if (!value) return;
    this.add(value);
    if (scheme === "basic") {
      const decoded = Buffer.from(value, "base64").toString("utf8");
      const i = decoded.indexOf(":");
      this.add(decoded);
      if (i >= 0) this.add(decoded.slice(i + 1));
    }
  }

  /** `text` with every known secret replaced by <redacted>. */
  redact(text: string): string {
    if (this.secrets.size === 0) return text;
    this.pattern ??= new RegExp(
      [...this.secrets]
        .sort((a, b) => b.length - a.length)
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("|"),
      "g",
    );
    return text.replace(this.pattern, Redactor.MARK);
  }

  get size(): number {
    return this.secrets.size;
  }
}
