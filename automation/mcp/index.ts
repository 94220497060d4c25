// The release driver as an MCP server: `import { serveMcp } from "pulumi-progressive-delivery/mcp"`.
// Needs the optional peer dependency @modelcontextprotocol/sdk.
export { Guard, type McpAccess, productionReason, Refusal } from "./guard";
export { createMcpServer, type McpServerOptions, SERVER_INFO, serveMcp } from "./server";
