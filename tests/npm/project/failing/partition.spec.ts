import { test, expect } from "webxdc-realtime/playwright";

// Fails on purpose (tests/npm/test_template.py): its trace is attached to its result.
test("Cleo hears Ada across a partition", async ({ webxdc }) => {
  const app = await webxdc({ peers: 3 });
  const [ada, ben, cleo] = app.peers;
  await app.network.partition([ada, ben], [cleo]);
  await ada.locator("#text").fill("cut off");
  await ada.locator("#say").click();
  await expect(ben.locator("#heard li")).toHaveText(["Ada: cut off"]);
  await expect(cleo.locator("#heard li")).toHaveText(["Ada: cut off"], { timeout: 500 });
});
