// Release notifications: Slack and a generic JSON webhook.
export * from "./post";
export * from "./slack";
export * from "./types";
export * from "./webhook";
