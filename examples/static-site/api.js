// The API page's one script: call the provider's API as the signed-in person.
import latchkey from "./latchkey/latchkey.js";

const button = document.getElementById("call-api");
const answer = document.getElementById("api-answer");

button.addEventListener("click", async () => {
  answer.textContent = "Calling…";
  try {
    const response = await latchkey.fetch("me");
    answer.textContent = `HTTP ${response.status} ${response.statusText}\n${await response.text()}`;
  } catch (error) {
    answer.textContent = error.message;
  }
});
