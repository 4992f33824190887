import { test, expect } from "webxdc-realtime/playwright";

test("a peer cut off hears nothing, and hears again once healed", async ({ webxdc }) => {
  const app = await webxdc({ peers: 3 });
  const [ada, ben, cleo] = app.peers;
  const say = async (peer: typeof ada, text: string) => {
    await peer.locator("#text").fill(text);
    await peer.locator("#say").click();
  };

  await app.network.partition([ada, ben], [cleo]);
  await say(ada, "not for Cleo");
  await expect(ben.locator("#heard li")).toHaveText(["Ada: not for Cleo"]);

  await app.network.heal();
  await say(ben, "all of us");
  await expect(cleo.locator("#heard li")).toHaveText(["Ben: all of us"]);
  await expect(ada.locator("#heard li")).toHaveText(["Ben: all of us"]);
  await expect(ben.locator("#heard li")).toHaveText(["Ada: not for Cleo"]);
});
