// The emoji picker's data and logic: a curated set of common emoji in groups, each with its name
// (what a screen reader says and what the filter finds), kept here so nothing is fetched. The
// picker lays each group out in rows of COLUMNS; the arrow keys move through that layout.

/** Emoji per row in the picker (the stylesheet's grid has as many columns). */
export const COLUMNS = 8;

const group = (name, list) => ({
  name,
  emoji: list.map(([emoji, label]) => ({ emoji, name: label })),
});

export const EMOJI_GROUPS = [
  group("Smileys", [
    ["😀", "grinning face"],
    ["😃", "grinning face with big eyes"],
    ["😄", "grinning face with smiling eyes"],
    ["😁", "beaming face with smiling eyes"],
    ["😆", "grinning squinting face"],
    ["😅", "grinning face with sweat"],
    ["🤣", "rolling on the floor laughing"],
    ["😂", "face with tears of joy"],
    ["🙂", "slightly smiling face"],
    ["🙃", "upside-down face"],
    ["😉", "winking face"],
    ["😊", "smiling face with smiling eyes"],
    ["😇", "smiling face with halo"],
    ["🥰", "smiling face with hearts"],
    ["😍", "smiling face with heart-eyes"],
    ["🤩", "star-struck"],
    ["😘", "face blowing a kiss"],
    ["😋", "face savoring food"],
    ["😛", "face with tongue"],
    ["😜", "winking face with tongue"],
    ["🤪", "zany face"],
    ["🤗", "smiling face with open hands"],
    ["🤭", "face with hand over mouth"],
    ["🤫", "shushing face"],
    ["🤔", "thinking face"],
    ["🤐", "zipper-mouth face"],
    ["😐", "neutral face"],
    ["😑", "expressionless face"],
    ["😶", "face without mouth"],
    ["😏", "smirking face"],
    ["😒", "unamused face"],
    ["🙄", "face with rolling eyes"],
    ["😬", "grimacing face"],
    ["😌", "relieved face"],
    ["😔", "pensive face"],
    ["😪", "sleepy face"],
    ["😴", "sleeping face"],
    ["😷", "face with medical mask"],
    ["🤒", "face with thermometer"],
    ["🤢", "nauseated face"],
    ["🥵", "hot face"],
    ["🥶", "cold face"],
    ["🤯", "exploding head"],
    ["🥳", "partying face"],
    ["😎", "smiling face with sunglasses"],
    ["🤓", "nerd face"],
    ["😕", "confused face"],
    ["😟", "worried face"],
    ["😮", "face with open mouth"],
    ["😲", "astonished face"],
    ["😳", "flushed face"],
    ["🥺", "pleading face"],
    ["😢", "crying face"],
    ["😭", "loudly crying face"],
    ["😱", "face screaming in fear"],
    ["😤", "face with steam from nose"],
    ["😠", "angry face"],
    ["😡", "enraged face"],
    ["🤬", "face with symbols on mouth"],
    ["😈", "smiling face with horns"],
    ["💀", "skull"],
    ["💩", "pile of poo"],
    ["🤡", "clown face"],
    ["👻", "ghost"],
    ["👽", "alien"],
    ["🤖", "robot"],
  ]),
  group("People and gestures", [
    ["👋", "waving hand"],
    ["🤚", "raised back of hand"],
    ["✋", "raised hand"],
    ["👌", "OK hand"],
    ["🤌", "pinched fingers"],
    ["✌️", "victory hand"],
    ["🤞", "crossed fingers"],
    ["🤟", "love-you gesture"],
    ["🤘", "sign of the horns"],
    ["👈", "backhand index pointing left"],
    ["👉", "backhand index pointing right"],
    ["👆", "backhand index pointing up"],
    ["👇", "backhand index pointing down"],
    ["☝️", "index pointing up"],
    ["👍", "thumbs up"],
    ["👎", "thumbs down"],
    ["✊", "raised fist"],
    ["👊", "oncoming fist"],
    ["👏", "clapping hands"],
    ["🙌", "raising hands"],
    ["👐", "open hands"],
    ["🤝", "handshake"],
    ["🙏", "folded hands"],
    ["✍️", "writing hand"],
    ["💪", "flexed biceps"],
    ["👀", "eyes"],
    ["🧠", "brain"],
    ["🙋", "person raising hand"],
    ["🤷", "person shrugging"],
    ["🤦", "person facepalming"],
    ["🙇", "person bowing"],
    ["💃", "woman dancing"],
  ]),
  group("Hearts and symbols", [
    ["❤️", "red heart"],
    ["🧡", "orange heart"],
    ["💛", "yellow heart"],
    ["💚", "green heart"],
    ["💙", "blue heart"],
    ["💜", "purple heart"],
    ["🖤", "black heart"],
    ["🤍", "white heart"],
    ["💔", "broken heart"],
    ["💕", "two hearts"],
    ["💖", "sparkling heart"],
    ["💯", "hundred points"],
    ["✅", "check mark button"],
    ["❌", "cross mark"],
    ["❗", "red exclamation mark"],
    ["❓", "red question mark"],
    ["⚠️", "warning"],
    ["🚫", "prohibited"],
    ["⭐", "star"],
    ["🌟", "glowing star"],
    ["✨", "sparkles"],
    ["⚡", "high voltage"],
    ["🔥", "fire"],
    ["💥", "collision"],
    ["💤", "zzz"],
    ["💬", "speech balloon"],
  ]),
  group("Animals and nature", [
    ["🐶", "dog face"],
    ["🐱", "cat face"],
    ["🐭", "mouse face"],
    ["🦊", "fox"],
    ["🐻", "bear"],
    ["🐼", "panda"],
    ["🐨", "koala"],
    ["🦁", "lion"],
    ["🐸", "frog"],
    ["🐵", "monkey face"],
    ["🙈", "see-no-evil monkey"],
    ["🐔", "chicken"],
    ["🐧", "penguin"],
    ["🦉", "owl"],
    ["🐝", "honeybee"],
    ["🦋", "butterfly"],
    ["🐢", "turtle"],
    ["🐙", "octopus"],
    ["🐳", "spouting whale"],
    ["🌸", "cherry blossom"],
    ["🌹", "rose"],
    ["🌻", "sunflower"],
    ["🌳", "deciduous tree"],
    ["🍀", "four leaf clover"],
    ["🌈", "rainbow"],
    ["☀️", "sun"],
    ["🌙", "crescent moon"],
    ["❄️", "snowflake"],
  ]),
  group("Food and drink", [
    ["🍎", "red apple"],
    ["🍌", "banana"],
    ["🍓", "strawberry"],
    ["🍉", "watermelon"],
    ["🥑", "avocado"],
    ["🌶️", "hot pepper"],
    ["🍕", "pizza"],
    ["🍔", "hamburger"],
    ["🍟", "french fries"],
    ["🌮", "taco"],
    ["🍣", "sushi"],
    ["🍜", "steaming bowl"],
    ["🍰", "shortcake"],
    ["🎂", "birthday cake"],
    ["🍪", "cookie"],
    ["🍫", "chocolate bar"],
    ["🍿", "popcorn"],
    ["☕", "hot beverage"],
    ["🍵", "teacup without handle"],
    ["🍺", "beer mug"],
    ["🍻", "clinking beer mugs"],
    ["🍷", "wine glass"],
    ["🥂", "clinking glasses"],
    ["🍾", "bottle with popping cork"],
  ]),
  group("Activities, travel and objects", [
    ["🎉", "party popper"],
    ["🎊", "confetti ball"],
    ["🎁", "wrapped gift"],
    ["🎈", "balloon"],
    ["🏆", "trophy"],
    ["🥇", "1st place medal"],
    ["⚽", "soccer ball"],
    ["🏀", "basketball"],
    ["🎮", "video game"],
    ["🎵", "musical note"],
    ["🎸", "guitar"],
    ["🚀", "rocket"],
    ["✈️", "airplane"],
    ["🚗", "automobile"],
    ["🚲", "bicycle"],
    ["🏠", "house"],
    ["🏖️", "beach with umbrella"],
    ["⏰", "alarm clock"],
    ["📅", "calendar"],
    ["📌", "pushpin"],
    ["📎", "paperclip"],
    ["📝", "memo"],
    ["📷", "camera"],
    ["💻", "laptop"],
    ["📱", "mobile phone"],
    ["💡", "light bulb"],
    ["🔑", "key"],
    ["🔒", "locked"],
    ["🐛", "bug"],
    ["🛠️", "hammer and wrench"],
    ["💰", "money bag"],
    ["📈", "chart increasing"],
  ]),
];

/** The emoji whose name holds every word of `query` at a word's start ("hea" finds "red heart"), in the groups' order. */
export function findEmoji(query) {
  const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  const all = EMOJI_GROUPS.flatMap((each) => each.emoji);
  if (!words.length) return all;
  return all.filter((each) => {
    const parts = each.name.toLocaleLowerCase().split(/[\s-]+/);
    return words.every((word) => parts.some((part) => part.startsWith(word)));
  });
}

/**
 * Where an arrow key (or Home/End) moves from `index` in groups of `sizes` emoji laid out in rows
 * of `columns`: Left/Right along the whole list, Up/Down to the row above or below (across groups),
 * to the same column or the last one that row has. Stays put at the edges.
 */
export function gridMove(sizes, index, key, columns = COLUMNS) {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (!total) return 0;
  if (key === "ArrowLeft") return Math.max(0, index - 1);
  if (key === "ArrowRight") return Math.min(total - 1, index + 1);
  if (key === "Home") return 0;
  if (key === "End") return total - 1;
  const rows = []; // each row: [first index, length]
  let first = 0;
  for (const size of sizes) {
    for (let at = 0; at < size; at += columns) rows.push([first + at, Math.min(columns, size - at)]);
    first += size;
  }
  const row = rows.findIndex(([start, length]) => index >= start && index < start + length);
  const target = rows[row + (key === "ArrowDown" ? 1 : key === "ArrowUp" ? -1 : 0)];
  if (!target || target === rows[row]) return index;
  return target[0] + Math.min(index - rows[row][0], target[1] - 1);
}

/** `text` with `inserted` in place of the selection from `start` to `end`, and where the caret goes after it. */
export function insertAt(text, start, end, inserted) {
  return { text: text.slice(0, start) + inserted + text.slice(end), caret: start + inserted.length };
}
