import { CEILING_MS } from './cli-watch.ts';

// `npm run slack -- --help`: every flag, with what it is for.
export const HELP = `npm run slack -- [flags] ["/command text"]

Acts as one person in the running sandbox's simulated Slack (start it with npm run sandbox) and prints
what the bot posts, as text. Every message is printed with its --message <ts>; every button, checkbox and
menu with the --click (and --value) that presses it.

Who and where
  --as <name>                 the person acting: alice, bob, carol, dave, erin, frank, guest (default alice)
  --channel <name>            the channel a command is typed in (default deploys); required by --say

What to do (one of)
  "/command text"             a slash command, e.g. "/deploy checkout 1.4.2 to staging"
  --click <action-id>         press a button, tick a checkbox or pick a menu option; the newest message
                              (or ephemeral reply of yours) carrying that action, unless --message is given
    --message <ts>            the message (or ephemeral reply) to press it on
    --value <value>           checkboxes: the option to tick or untick (comma-separate several);
                              menus (select, overflow): the option to pick; buttons: a value to send instead
  --react <emoji>             add a reaction (e.g. white_check_mark) to --message <ts>
    --unreact                 remove it instead
  --submit <callback-id>      submit the form the bot opened last with this callback id
    --field <block>=<value>   a field of that form (repeat); a multi-select takes a comma list
  --home                      open your Home tab in ops-bot and print it; with --click, press a button there
                              (--value names the request when several carry the same action)
  --say "text"                write a plain message in --channel (the bot does not read messages)
  --clock "<time>"            set the sandbox's clock: "2026-12-26 10:00 Europe/Berlin", an ISO time, or now;
                              freezes, approval expiry and the times the bot writes follow it
  --scene <name>              play one of the README's stories in the sandbox, step by step, and follow it;
                              --scene list names them (exit 1 names the step a scene stopped at)

How long to print what follows
  (default)                   until the jobs the bot named in its replies (job plan-…, then deploy-…) have
                              finished and Slack is quiet for a moment, at most ${CEILING_MS / 60_000} minutes
  --wait <seconds>            until Slack has been quiet this long instead (--wait 0: only the reply)
  --follow                    stream each new or updated message as it happens: after a command until its
                              job ends (no ceiling), alone until Ctrl-C

Where the sandbox is
  --sim <url>                 the Slack simulator (default: from .sandbox/state.json, else http://127.0.0.1:3101)
  -h, --help                  this text

Examples
  npm run slack -- --as bob "/deploy checkout 1.4.2 to production --reason 'fix tax rounding'"
  npm run slack -- --as carol --click approval_approve
  npm run slack -- --as carol --home --click approval_approve --value apr-…
  npm run slack -- --as erin --click incident_checklist --value item-0
  npm run slack -- --clock "2026-12-26 10:00 Europe/Berlin"     (the year-end freeze; --clock now leaves it)
  npm run slack -- --follow
`;
