// Ready examples for the agent's composer: each is an agent action and its JSON body.
const card = (title, price, sku) => ({
  type: "vertical",
  elements: [
    { type: "image", url: `https://shop.example.com/img/${sku}.png`, tooltip: title },
    { type: "text", text: title, style: { bold: true, size: "large" } },
    { type: "text", text: price },
    { type: "button", title: "Buy now", click: { actions: [{ type: "link", name: "Buy", uri: `https://shop.example.com/buy/${sku}` }] } },
    { type: "button", title: "Ask about sizes", click: { actions: [{ type: "publishText", text: `Which sizes does ${title} come in?` }] } },
  ],
});

export const EXAMPLES = [
  { name: "Card (structured content)", action: "rich-content", body: { content: card("Trail runner", "€89 · in stock", "trail-runner") } },
  {
    name: "Carousel of two cards",
    action: "rich-content",
    body: { content: { type: "carousel", padding: 10, elements: [card("Trail runner", "€89", "trail-runner"), card("Road racer", "€119", "road-racer")] } },
  },
  {
    name: "Quick replies",
    action: "text",
    body: {
      text: "How did we do today?",
      quickReplies: {
        type: "quickReplies",
        itemsPerRow: 8,
        replies: ["Great", "OK", "Not good"].map((t) => ({
          type: "button",
          tooltip: t,
          title: t,
          click: { actions: [{ type: "publishText", text: t }], metadata: [{ type: "ExternalId", id: t.toLowerCase().replace(" ", "-") }] },
        })),
      },
    },
  },
  {
    name: "Text with bot metadata",
    action: "text",
    body: {
      text: "I can help with orders and returns.",
      metadata: [{ type: "BotResponse", externalConversationId: "bot-1", businessCases: ["orders"], intents: [{ id: "help", name: "help", confidenceScore: 0.93 }] }],
    },
  },
  { name: "File (hosted/file)", action: "file", body: { caption: "Your receipt", relativePath: "/v1/AUTH_async-images/receipt-42.png", fileType: "PNG" } },
  { name: "Private note", action: "note", body: { text: "VIP customer, offer free shipping." } },
  { name: "Receipt READ for sequence 0", action: "receipt", body: { status: "READ", sequenceList: [0] } },
  { name: "Typing (COMPOSING)", action: "chat-state", body: { chatState: "COMPOSING" } },
  { name: "Transfer to skill 12", action: "transfer", body: { skillId: "12" } },
  { name: "Close with a survey", action: "close", body: { survey: true } },
  { name: "Automatic message (needs AUTO_MESSAGES)", action: "auto-message", body: { text: "Thanks for reaching out, an agent will be with you shortly." } },
  { name: "Resume a closed conversation", action: "resume", body: { text: "Hi again, following up on your order." } },
];
