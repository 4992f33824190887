import { test, expect } from "webxdc-realtime/playwright";

test("a peer cut off hears nothing, and hears again once healed", async ({ webxdc }) => {
  const app = await webxdc({ peers: 3 }); // opens the host page, waits until every peer is live
  const [ada, ben, cleo] = app.peers;
  await app.network.partition([ada, ben], [cleo]); // resolves once every peer has it
  await ada.locator("#text").fill("not for Cleo");
  await ada.locator("#say").click();
  await expect(ben.locator("#heard li")).toHaveText(["Ada: not for Cleo"]);
  await app.network.heal();
  await ada.locator("#say").click();
  await expect(cleo.locator("#heard li")).toHaveText(["Ada: not for Cleo"]); // the second only
  await expect(ben.locator("#heard li")).toHaveCount(2);
  await expect(ada.locator("#heard li")).toHaveCount(0); // never her own
});
