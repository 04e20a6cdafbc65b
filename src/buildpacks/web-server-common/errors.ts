import { PaketoError } from "../../errors/index.js";

export type WebServerErrorCode =
  | "WEB_SERVER_CONFIG" // a BP_WEB_SERVER* / BP_NGINX_* / BP_HTTPD_* setting is wrong
  | "WEB_SERVER_BINDING" // the htpasswd binding is not usable
  | "WEB_SERVER_CONF_FILE" // the app's nginx.conf / httpd.conf is missing or fails the server's own test
  | "WEB_SERVER_TEMPLATE"; // a template action paketo does not render

export class WebServerError extends PaketoError {
  declare readonly code: WebServerErrorCode;
  constructor(code: WebServerErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "WebServerError";
  }
}
