"""The words of the demo data: people, organisation, categories and the phrases tickets are made of.

Data only, no logic. Templates use ``{slot}`` names filled per ticket from ``SLOTS`` (the same
ticket always gets the same printer, application, ...), so titles, descriptions and comments of
one ticket agree with each other while the whole store still has a few thousand distinct words for
full-text search to work on (including accented ones: café, résumé, Zürich, Köln).
"""

# Phrases stay whole on one line so they can be read and grepped: long lines are fine here.
# ruff: noqa: E501

from __future__ import annotations

from dataclasses import dataclass, field

# --- people -------------------------------------------------------------------------------------

# fmt: off
FIRST_NAMES = (
    "Anna", "Ben", "Carla", "David", "Elif", "Felix", "Greta", "Hannah", "Ismail", "Jana",
    "Jonas", "Katarzyna", "Lars", "Lena", "Lukas", "Marta", "Mehmet", "Mia", "Niklas", "Olga",
    "Paul", "Rosa", "Sven", "Tobias", "Ute", "Viktor", "Wiebke", "Yusuf", "Zoë", "Aylin",
    "Björn", "Chloé", "Dmitri", "Emre", "Fatima", "Gaël", "Heike", "Ingrid", "José", "Jürgen",
    "Kai", "Léa", "Łukasz", "Magnus", "Nadia", "Oskar", "Petra", "Quentin", "Renée", "Søren",
    "Tanja", "Ulrich", "Valentina", "Wojciech", "Xenia", "Yara", "Zeynep", "Amélie", "Bartosz",
    "Clara", "Dominik", "Esther", "François", "Gabriele", "Henrik", "Irina", "Joaquín", "Karin",
    "Linnea", "Matthias", "Noémie", "Ole", "Pia", "Raphaël", "Sofia", "Thomas", "Ana", "Hugo",
    "Ines", "Jan", "Kerstin", "Maximilian", "Nele", "Priya", "Ravi", "Sebastian", "Theo",
)

LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier",
    "Lehmann", "Köhler", "Herrmann", "König", "Walter", "Peters", "Kaiser", "Fuchs", "Jäger",
    "Yılmaz", "Kaya", "Demir", "Nowak", "Kowalski", "Wiśniewska", "Novák", "Dvořák", "García",
    "Fernández", "Rossi", "Bianchi", "Dubois", "Lefèvre", "Moreau", "Jensen", "Nielsen",
    "Åberg", "Lindqvist", "Søndergaard", "Ó Briain", "Murphy", "Okafor", "Mensah", "Nguyen",
    "Tanaka", "Kim", "Patel", "Sharma", "Haddad", "Petrović", "Horvat", "Popescu", "Ivanova",
    "van Dijk", "de Vries", "Janssens", "Berger", "Huber", "Gruber", "Steiner", "Brunner",
)
# fmt: on


@dataclass(frozen=True)
class DemoAccount:
    """A fixed login of the demo; its username is what the demo client signs in with."""

    username: str
    name: str
    role: str
    team: str | None = None  # the team the account works in or leads
    department: str = "IT Services"


DEMO_ACCOUNTS = (
    DemoAccount("agent", "Dana Whitfield", "agent", "Network & Telecom"),
    DemoAccount("lead", "Marcus Lindqvist", "lead", "Service Desk"),
    DemoAccount("admin", "Ingrid Halvorsen", "admin"),
    DemoAccount("requester", "Lukas Brenner", "requester", None, "Finance & Operations"),
)
SECOND_ADMIN = ("Tomás Ferreira", "IT Services")

# --- organisation -------------------------------------------------------------------------------

DEPARTMENTS = ("IT Services", "Facilities Management", "Human Resources", "Finance & Operations")
# Requesters come from every department; most staff are outside IT.
DEPARTMENT_WEIGHTS = (2, 2, 1, 5)


@dataclass(frozen=True)
class TeamSpec:
    name: str
    department: str
    email: str
    agents: int  # agents at the smallest demo size, before scaling with the ticket count
    lead: str | None = None  # None: a generated lead


TEAMS = (
    TeamSpec("Service Desk", "IT Services", "servicedesk@acero.example", 6, "lead"),
    TeamSpec("Network & Telecom", "IT Services", "network@acero.example", 4),
    TeamSpec("Workplace IT", "IT Services", "workplace@acero.example", 5),
    TeamSpec("Applications", "IT Services", "apps@acero.example", 4),
    TeamSpec("Facilities", "Facilities Management", "facilities@acero.example", 3),
    TeamSpec("HR Systems", "Human Resources", "hr-systems@acero.example", 3),
)
# Teams whose agents often help out in a second team (Service Desk covers first-line work).
SECOND_TEAM = {"Service Desk": "Workplace IT", "Workplace IT": "Service Desk"}

# --- categories ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """A category people file tickets under, with the phrases its tickets are made of."""

    name: str
    weight: int  # how often tickets land here, relative to the other leaves
    titles: tuple[str, ...]
    details: tuple[str, ...]
    questions: tuple[str, ...]
    resolutions: tuple[str, ...]
    tasks: tuple[str, ...]
    articles: tuple[str, ...] = ()
    priority: str | None = None  # None: the root's default
    auto_assign: bool = False


@dataclass(frozen=True)
class Root:
    name: str
    team: str
    priority: str
    policy: str | None  # None: the default SLA policy
    leaves: tuple[Leaf, ...] = field(default_factory=tuple)


CATEGORIES = (
    Root(
        "Hardware",
        "Workplace IT",
        "normal",
        None,
        (
            Leaf(
                "Laptop",
                9,
                (
                    "{laptop} does not boot after the update",
                    "Battery of my {laptop} drains within an hour",
                    "Laptop fan very loud and {laptop} gets hot",
                    "Keyboard keys stuck on {laptop}",
                    "Blue screen on {laptop}: {bsod}",
                    "{laptop} does not wake up from sleep",
                    "Replacement laptop needed — screen cracked",
                ),
                (
                    "My {laptop} shows {bsod} right after the login screen.",
                    "The {laptop} restarts on its own several times a day, usually during {app} calls.",
                    "Since the firmware update the {laptop} only charges with the {dock} unplugged.",
                    "The hinge is loose and the display flickers when I open the lid more than 90°.",
                    "BitLocker asks for the recovery key every morning on my {laptop}.",
                ),
                (
                    "Could you send me the asset tag on the bottom of the {laptop}?",
                    "Does it also happen when the {dock} is disconnected?",
                    "Can you bring the laptop to the IT counter at {location} tomorrow morning?",
                ),
                (
                    "Replaced the battery of the {laptop} and updated the BIOS; runtime back to 7 h.",
                    "Reimaged the {laptop} with the current Windows 11 build; BSOD gone.",
                    "Swapped the device for a loaner {laptop} and restored the profile from OneDrive.",
                    "Re-seated the RAM and ran the vendor diagnostics: all tests pass.",
                ),
                (
                    "Order replacement part",
                    "Reimage device",
                    "Restore user profile",
                    "Return loaner",
                ),
                (
                    "Laptop does not wake from sleep: checklist",
                    "BitLocker recovery key: where to find it",
                ),
            ),
            Leaf(
                "Printer",
                7,
                (
                    "{printer} on {floor} is jamming",
                    "Cannot print to {printer}",
                    "{printer} prints blank pages",
                    "Scan to e-mail not working on {printer}",
                    "Toner empty on {printer} ({floor})",
                    "Print jobs stuck in the queue for {printer}",
                ),
                (
                    "The {printer} on {floor} shows {printer_error} and nothing comes out.",
                    "Jobs from {app} stay in the queue with status 'error – printing'.",
                    "Colour prints come out with stripes since yesterday.",
                    "Follow-me printing does not release my jobs when I tap my badge.",
                ),
                (
                    "Which print queue is selected on your machine — the one ending in -FM?",
                    "Is the display of the {printer} showing an error code?",
                ),
                (
                    "Cleared the paper path, replaced the fuser unit and ran a test page.",
                    "Removed and re-added the print queue via the print server; jobs flow again.",
                    "Replaced the toner cartridge and ordered two spares for {floor}.",
                    "Updated the driver to the universal PCL6 package.",
                ),
                ("Order toner", "Call printer vendor", "Replace fuser unit"),
                ("How to add a follow-me printer",),
            ),
            Leaf(
                "Monitor & peripherals",
                4,
                (
                    "Second monitor not detected via {dock}",
                    "{monitor} flickers",
                    "Headset microphone not working in {app}",
                    "Need a new mouse and keyboard",
                    "Webcam image is black in {app}",
                ),
                (
                    "The {monitor} on my desk at {location} stays black when connected through the {dock}.",
                    "My {headset} is recognised but nobody can hear me in {app}.",
                    "The external display keeps switching between 60 Hz and 30 Hz.",
                ),
                ("Which cable are you using — USB-C or DisplayPort?",),
                (
                    "Updated the {dock} firmware and replaced the USB-C cable.",
                    "Swapped the {monitor}; the old one goes back to the vendor under warranty.",
                    "Reset the audio device settings in {app} and updated the {headset} firmware.",
                ),
                ("Deliver replacement to desk", "Send faulty device back under warranty"),
            ),
            Leaf(
                "Mobile phone",
                4,
                (
                    "New {phone} for a new colleague",
                    "{phone} not receiving company e-mail",
                    "Lost my {phone} — please wipe it",
                    "Screen broken on {phone}",
                ),
                (
                    "The {phone} stopped syncing mail after I changed my password.",
                    "I left my {phone} in a taxi in {city}; it has company data on it.",
                    "Intune says the device is not compliant and blocks {app}.",
                ),
                ("Is the device still listed under 'My devices' in the company portal?",),
                (
                    "Wiped the lost device remotely and ordered a replacement {phone}.",
                    "Re-enrolled the {phone} in Intune; compliance is green again.",
                ),
                ("Remote wipe", "Order replacement phone", "Enrol device in Intune"),
                ("Enrolling a new phone in the company portal",),
            ),
        ),
    ),
    Root(
        "Network",
        "Network & Telecom",
        "high",
        "Critical infrastructure",
        (
            Leaf(
                "VPN",
                8,
                (
                    "VPN disconnects every few minutes",
                    "{vpn} fails with {vpn_error}",
                    "Cannot reach the file share over VPN",
                    "VPN very slow from home office",
                    "VPN login loops back to the sign-in page",
                ),
                (
                    "{vpn} connects, then drops after about five minutes with {vpn_error}.",
                    "From home I can connect to the VPN but \\\\fs01\\{share} is not reachable.",
                    "Downloads over the VPN crawl at 200 kB/s while my internet line is fine.",
                    "The VPN worked in {city} last week but not from the hotel in {city2}.",
                ),
                (
                    "Could you run 'ipconfig /all' while connected and paste the output?",
                    "Which version of {vpn} is installed (Help → About)?",
                    "Does it also fail on a different network, e.g. your phone's hotspot?",
                ),
                (
                    "The user's certificate had expired; issued a new one and the {vpn} connects.",
                    "Split tunnelling was misconfigured for the user group; corrected the profile.",
                    "Lowered the MTU on the VPN adapter to 1380; the disconnects stopped.",
                    "Upgraded {vpn} to the current release; the login loop is gone.",
                ),
                ("Renew user certificate", "Check VPN gateway logs", "Update VPN profile"),
                ("Connecting to the VPN from home", "VPN drops every few minutes: MTU fix"),
                "high",
            ),
            Leaf(
                "Wi-Fi",
                6,
                (
                    "No Wi-Fi in {room}",
                    "Guest Wi-Fi voucher for visitors",
                    "Wi-Fi drops on {floor}",
                    "Cannot join ACERO-CORP with new laptop",
                ),
                (
                    "In {room} the Wi-Fi signal disappears as soon as more than ten people join.",
                    "My laptop sees ACERO-CORP but the 802.1X login fails with 'cannot connect'.",
                    "We have visitors from {city} tomorrow and need guest access for the day.",
                ),
                ("Roughly how many people were in the room when it dropped?",),
                (
                    "Replaced the faulty access point above {room} and rebalanced the channels.",
                    "Created guest vouchers valid for 24 hours and sent them to the host.",
                    "Re-issued the machine certificate; the device joins ACERO-CORP again.",
                ),
                ("Survey Wi-Fi coverage", "Replace access point", "Create guest vouchers"),
                ("Guest Wi-Fi for visitors",),
                None,
                True,
            ),
            Leaf(
                "Telephony",
                3,
                (
                    "Desk phone shows 'No service'",
                    "Forward my extension to my mobile",
                    "Call quality bad in {app}",
                    "Voicemail PIN reset",
                ),
                (
                    "The {deskphone} at {location} shows 'No service' after the office move.",
                    "Calls in {app} sound robotic and break up, mostly in the afternoon.",
                    "I am on parental leave from next week; please forward extension {ext}.",
                ),
                ("Which extension is affected?",),
                (
                    "Re-provisioned the {deskphone} on the new switch port; registered again.",
                    "Set up call forwarding for extension {ext} until the given date.",
                    "QoS marking was missing on the new switch stack; voice traffic is prioritised again.",
                ),
                ("Re-provision desk phone", "Configure call forwarding"),
                (),
                "normal",
            ),
            Leaf(
                "Firewall & ports",
                2,
                (
                    "Firewall rule for new supplier portal",
                    "Port 443 blocked to {vendor_host}",
                ),
                (
                    "Our supplier {vendor} moved to {vendor_host}; the connection times out ({net_error}).",
                    "We need an outbound rule for the new SFTP transfer to the bank.",
                ),
                ("Which source hosts need the rule, and for how long?",),
                (
                    "Added an outbound rule for {vendor_host} after security approval (change CHG-{case}).",
                ),
                ("Security review of rule", "Implement firewall change"),
                (),
                "normal",
            ),
        ),
    ),
    Root(
        "Accounts & Access",
        "Service Desk",
        "normal",
        None,
        (
            Leaf(
                "Password reset",
                10,
                (
                    "Password expired and locked out",
                    "Forgot my password",
                    "Account locked after too many attempts",
                    "Cannot change password: {pw_error}",
                ),
                (
                    "After the holidays my password had expired and now the account is locked.",
                    "When I try to change the password I get {pw_error}.",
                    "I am locked out of {app} and the self-service reset sends no SMS.",
                ),
                ("Can you confirm your identity with your employee number?",),
                (
                    "Unlocked the account and set a temporary password; user changed it at first login.",
                    "Verified identity by call-back and reset the password; self-service enrolment done.",
                ),
                ("Verify identity", "Enrol in self-service reset"),
                ("Resetting your password with self-service", "Why your account gets locked"),
                "high",
                True,
            ),
            Leaf(
                "New account",
                4,
                (
                    "New joiner starting {weekday}: account and mailbox",
                    "Account for external contractor from {vendor}",
                    "Create shared mailbox for {team_name}",
                ),
                (
                    "{new_hire} starts on {weekday} in {dept}; please create the account and mailbox.",
                    "An external consultant from {vendor} needs access for three months.",
                ),
                ("Who is the line manager and the cost centre?",),
                (
                    "Created the account, mailbox and group memberships; credentials sent to the manager.",
                    "Created the shared mailbox and granted full access to the team.",
                ),
                ("Create account", "Create mailbox", "Add to groups", "Send welcome letter"),
            ),
            Leaf(
                "Permissions request",
                6,
                (
                    "Access to {share} share",
                    "Need edit rights in {app}",
                    "Remove access for leaver",
                    "Add me to the {team_name} Teams channel",
                ),
                (
                    "I need read and write access to \\\\fs01\\{share} for the quarterly report.",
                    "Please give me the editor role in {app}; my manager has approved it.",
                    "{new_hire} left the company on Friday; please remove all access.",
                ),
                ("Could your manager confirm the request in this ticket?",),
                (
                    "Added the user to the group for {share} after the owner approved.",
                    "Granted the editor role in {app}; change documented.",
                    "Disabled the account and removed all group memberships of the leaver.",
                ),
                ("Get owner approval", "Grant permissions", "Document change"),
            ),
            Leaf(
                "Multi-factor authentication",
                4,
                (
                    "New phone — MFA does not work",
                    "Authenticator app keeps asking to approve",
                    "MFA prompt never arrives",
                ),
                (
                    "I replaced my phone and the authenticator app no longer has my account.",
                    "I keep getting MFA requests I did not start — is this an attack?",
                ),
                ("Did you approve any of the prompts you did not expect?",),
                (
                    "Reset the MFA registration; user enrolled the new phone.",
                    "Blocked the sign-ins from the unknown location, reset password and MFA.",
                ),
                ("Reset MFA", "Check sign-in logs"),
                ("Moving the authenticator to a new phone",),
                "high",
            ),
        ),
    ),
    Root(
        "Software",
        "Applications",
        "normal",
        None,
        (
            Leaf(
                "Email & calendar",
                7,
                (
                    "{mail_app} crashes on start",
                    "Shared calendar of {team_name} not visible",
                    "Mailbox full",
                    "Mail to {vendor} bounces: {mail_error}",
                    "Out-of-office reply not sent",
                ),
                (
                    "{mail_app} closes a few seconds after starting; safe mode works.",
                    "Mails to {vendor} bounce with '{mail_error}'.",
                    "I cannot see the room bookings of {room} in my calendar.",
                ),
                ("Does it also happen in the web version of {mail_app}?",),
                (
                    "Disabled the faulty add-in and repaired the Office installation.",
                    "Archived mail older than two years; mailbox at 60 % now.",
                    "The recipient domain had a broken SPF record; informed {vendor}, mail flows.",
                ),
                ("Repair Office installation", "Archive old mail"),
                ("Setting your out-of-office reply",),
            ),
            Leaf(
                "Office suite",
                5,
                (
                    "{office_app} freezes with large files",
                    "Macro in {office_app} blocked",
                    "Cannot open attachment in {office_app}",
                    "Licence error in {office_app}",
                ),
                (
                    "{office_app} freezes whenever I open the budget file from SharePoint.",
                    "The macro we use for the monthly close is now blocked as 'unsafe'.",
                    "{office_app} says '{licence_error}'.",
                ),
                ("How large is the file, and where is it stored?",),
                (
                    "Signed the macro with the company certificate and trusted the publisher.",
                    "Reassigned the Microsoft 365 licence; activation succeeded.",
                ),
                ("Sign macro", "Reassign licence"),
            ),
            Leaf(
                "ERP",
                4,
                (
                    "{erp} transaction {erp_tx} gives an authorisation error",
                    "Invoice stuck in {erp} workflow",
                    "{erp} very slow this morning",
                    "Cannot post goods receipt in {erp}",
                ),
                (
                    "In {erp} the transaction {erp_tx} ends with 'No authorisation for company code 1000'.",
                    "Invoice {invoice} has been waiting for approval for a week and nobody sees it.",
                    "Every screen in {erp} takes 20-30 seconds to load.",
                ),
                ("Which company code and plant is it about?",),
                (
                    "Added the missing role to the user; {erp_tx} works.",
                    "Re-routed the invoice to the deputy approver.",
                    "A long-running batch job blocked the database; rescheduled it outside office hours.",
                ),
                ("Check authorisations", "Contact ERP vendor", "Reschedule batch job"),
                ("Requesting a new ERP role",),
                "high",
            ),
            Leaf(
                "Software installation",
                6,
                (
                    "Please install {tool}",
                    "Update {tool} to the latest version",
                    "{tool} installation fails with {install_error}",
                ),
                (
                    "For the new project I need {tool} on my laptop.",
                    "The installer of {tool} stops with {install_error}.",
                ),
                ("Is there a licence for {tool}, or should we order one?",),
                (
                    "Published {tool} in the company portal and installed it on the device.",
                    "Installed {tool} after the licence was assigned.",
                ),
                ("Check licence", "Package application", "Install on device"),
                ("Installing software from the company portal",),
                "low",
            ),
        ),
    ),
    Root(
        "Facilities",
        "Facilities",
        "normal",
        "Facilities",
        (
            Leaf(
                "Heating & ventilation",
                3,
                (
                    "Too cold in {room}",
                    "Air conditioning loud on {floor}",
                    "Radiator leaking at {location}",
                ),
                (
                    "It is 17 °C in {room} and the thermostat does not react.",
                    "The air conditioning on {floor} makes a rattling noise all day.",
                ),
                ("Is the window in the room closed?",),
                (
                    "The valve of the radiator was stuck; the technician replaced it.",
                    "Re-calibrated the thermostat; the room is at 21 °C again.",
                ),
                ("Call HVAC technician", "Replace valve"),
            ),
            Leaf(
                "Meeting rooms",
                3,
                (
                    "Projector in {room} not working",
                    "Screen in {room} shows no signal",
                    "Book {room} for the board meeting",
                ),
                (
                    "The screen in {room} shows 'no signal' with every laptop we tried.",
                    "The video bar in {room} does not start the {app} meeting.",
                ),
                ("Which input did you select on the screen?",),
                (
                    "Replaced the HDMI cable in the table box of {room}.",
                    "Updated the room system; the meeting starts with one tap again.",
                ),
                ("Replace cable", "Test room system"),
                ("Starting a meeting in a video room",),
            ),
            Leaf(
                "Access badges",
                3,
                (
                    "Badge does not open the door at {location}",
                    "Lost my access badge",
                    "Visitor badges for {weekday}",
                ),
                (
                    "My badge opens the main entrance but not the door at {location}.",
                    "I lost my badge on the way from the café; please block it.",
                ),
                ("What is the number printed on the badge?",),
                (
                    "Blocked the lost badge and issued a new one at reception.",
                    "Added the missing access zone to the badge profile.",
                ),
                ("Block badge", "Print new badge"),
            ),
            Leaf(
                "Cleaning & kitchen",
                2,
                (
                    "Coffee machine in the café broken",
                    "Dishwasher on {floor} leaking",
                    "Extra cleaning after event in {room}",
                ),
                (
                    "The coffee machine in the café on {floor} shows 'descale' and serves nothing.",
                    "After the team event in {room} we need extra cleaning before Monday.",
                ),
                ("Is the machine showing an error number?",),
                (
                    "The vendor descaled and serviced the coffee machine.",
                    "Booked extra cleaning with the cleaning company.",
                ),
                ("Call vendor", "Book cleaning"),
                (),
                "low",
            ),
        ),
    ),
    Root(
        "HR Systems",
        "HR Systems",
        "normal",
        None,
        (
            Leaf(
                "Payroll",
                2,
                (
                    "Payslip not visible in {hr_app}",
                    "Wrong tax class on payslip",
                ),
                (
                    "My payslip for {month} is missing in {hr_app}.",
                    "The payslip for {month} shows the wrong tax class after my marriage.",
                ),
                ("Did you already send the certificate to HR?",),
                (
                    "The payslip was generated late; it is now visible in {hr_app}.",
                    "Corrected the tax class; the difference is paid with the next salary.",
                ),
                ("Correct master data", "Inform payroll provider"),
                (),
                "high",
            ),
            Leaf(
                "Leave & absence",
                2,
                (
                    "Holiday balance wrong in {hr_app}",
                    "Cannot submit leave request",
                ),
                (
                    "{hr_app} shows 12 days of holiday left, but I should have 17.",
                    "Submitting a leave request fails with 'approver not found'.",
                ),
                ("Did you change teams this year?",),
                (
                    "The approver was missing after the team change; set it and resubmitted the request.",
                    "Carried over last year's remaining days; balance corrected.",
                ),
                ("Fix approver chain",),
                ("Requesting leave in the HR portal",),
            ),
            Leaf(
                "Onboarding",
                2,
                (
                    "Onboarding checklist for {new_hire}",
                    "Upload of résumé fails in {hr_app}",
                ),
                (
                    "Uploading the résumé of {new_hire} as PDF fails with 'file type not allowed'.",
                    "{new_hire} starts on {weekday}; the onboarding tasks are not generated.",
                ),
                ("Which browser are you using?",),
                (
                    "Allowed PDF/A uploads in {hr_app}; the résumé is attached.",
                    "Triggered the onboarding workflow manually.",
                ),
                ("Trigger onboarding workflow", "Prepare welcome pack"),
            ),
        ),
    ),
)

# --- slot pools ---------------------------------------------------------------------------------

# fmt: off
SLOTS: dict[str, tuple[str, ...]] = {
    "laptop": ("ThinkPad T14", "ThinkPad X1 Carbon", "Latitude 7440", "EliteBook 840", "MacBook Air",
               "MacBook Pro", "Surface Laptop 5", "ZBook Firefly"),
    "dock": ("Thunderbolt dock", "USB-C dock", "Dell WD19 dock", "Lenovo hybrid dock"),
    "printer": ("HP LaserJet M507", "Canon imageRUNNER C3226", "Kyocera TASKalfa 3554ci",
                "Brother HL-L6400", "Ricoh IM C3000", "Xerox VersaLink C405"),
    "printer_error": ("error 49.4C02", "'paper jam in tray 2'", "'replace fuser kit'",
                      "E-000 toner low", "'offline – check network'"),
    "monitor": ("Dell U2723QE monitor", "LG UltraFine display", "Samsung curved monitor",
                "EIZO FlexScan"),
    "headset": ("Jabra Evolve2 headset", "Poly Voyager headset", "Sennheiser headset"),
    "phone": ("iPhone 15", "iPhone 13", "Galaxy S23", "Pixel 8", "Galaxy A54"),
    "deskphone": ("Yealink T54W", "Cisco 8845", "Snom D785"),
    "app": ("Teams", "Zoom", "Outlook", "SharePoint", "Salesforce", "Jira", "Confluence",
            "Personio", "DATEV", "Workday", "Webex", "Miro"),
    "mail_app": ("Outlook", "Outlook for Mac", "Thunderbird"),
    "office_app": ("Excel", "Word", "PowerPoint", "Visio", "Access"),
    "tool": ("Python 3.12", "Visual Studio Code", "Power BI Desktop", "Adobe Acrobat Pro", "GIMP",
             "Notepad++", "Tableau", "R Studio", "7-Zip", "KeePassXC", "AutoCAD LT", "Docker Desktop"),
    "install_error": ("error 1603", "error 0x80070005 (access denied)", "'another installation is in progress'",
                      "exit code 1618"),
    "licence_error": ("Unlicensed product", "We couldn't verify your licence", "licence expired"),
    "vpn": ("Cisco AnyConnect", "GlobalProtect", "FortiClient", "WireGuard"),
    "vpn_error": ("error 809", "'certificate has expired'", "'gateway unreachable'",
                  "'authentication failed'", "error 720", "'TLS handshake timeout'"),
    "net_error": ("ERR_CONNECTION_TIMED_OUT", "DNS_PROBE_FINISHED_NXDOMAIN", "connection reset by peer"),
    "mail_error": ("550 5.7.1 message rejected", "554 5.7.5 permanent error evaluating DMARC",
                   "452 4.2.2 mailbox full"),
    "pw_error": ("'the password does not meet the complexity requirements'",
                 "'the password was used recently'", "'access denied'"),
    "bsod": ("IRQL_NOT_LESS_OR_EQUAL", "CRITICAL_PROCESS_DIED", "KERNEL_SECURITY_CHECK_FAILURE",
             "DRIVER_POWER_STATE_FAILURE", "MEMORY_MANAGEMENT"),
    "erp": ("SAP S/4HANA", "SAP ECC", "Dynamics 365"),
    "erp_tx": ("ME21N", "MIGO", "FB60", "VA01", "MIRO", "F110"),
    "hr_app": ("Personio", "Workday", "SAP SuccessFactors", "the HR portal"),
    "share": ("Finance", "Controlling", "Marketing", "Projects", "Purchasing", "Legal", "Sales"),
    "vendor": ("Müller Logistik", "Brandt & Söhne", "Nordlicht GmbH", "Alpenbank", "Rhein Consulting",
               "Lumière SA", "Kraków Software", "Zürich Insurance"),
    "vendor_host": ("portal.brandt-soehne.de", "sftp.alpenbank.ch", "edi.nordlicht.de",
                    "api.lumiere.fr"),
    "location": ("Berlin HQ, floor 3", "Berlin HQ, reception", "München office, room 2.14",
                 "Zürich office", "Hamburg warehouse", "Köln training centre", "Lyon sales office",
                 "Wien branch", "the loading dock", "Frankfurt data centre"),
    "floor": ("floor 1", "floor 2", "floor 3", "floor 4", "the ground floor", "the mezzanine"),
    "room": ("meeting room Alster", "meeting room Spree", "the boardroom", "room B2.14",
             "the training room", "room Zugspitze", "the café lounge", "room Matterhorn"),
    "city": ("Berlin", "München", "Zürich", "Wien", "Hamburg", "Köln", "Lyon", "Kraków",
             "Göteborg", "São Paulo", "Milano", "Barcelona"),
    "city2": ("Amsterdam", "Praha", "Lisboa", "Düsseldorf", "Genève", "Stockholm"),
    "team_name": ("Controlling", "Purchasing", "Marketing", "Sales DACH", "Legal", "Logistics"),
    "dept": ("Finance", "Marketing", "Logistics", "Sales", "Purchasing", "Legal"),
    "weekday": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"),
    "month": ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"),
    "new_hire": ("Zoë Lefèvre", "Jonas Åberg", "Amélie Novák", "Mehmet Yılmaz", "Clara Dubois",
                 "Oskar Wiśniewski", "Noémie Fischer"),
    "ext": ("4711", "2203", "3190", "5521", "6604"),
}
# fmt: on

# --- description framing ------------------------------------------------------------------------

OPENERS = (
    "Hi,",
    "Hello,",
    "Hi team,",
    "Good morning,",
    "Hello Service Desk,",
    "Dear IT,",
    "Hi all,",
    "Moin,",
    "Grüezi,",
    "",
)
SINCE = (
    "It started this morning.",
    "It has been like this since yesterday afternoon.",
    "It began after the update on {weekday}.",
    "This has been going on for about a week.",
    "It started when I came back from {city}.",
    "It has happened since the office move.",
    "It happens now and then, not always.",
    "Since Monday it has got worse.",
)
ATTEMPTS = (
    "I already restarted the computer, but it did not help.",
    "A colleague at {location} has the same problem.",
    "I tried from home and from the office — same result.",
    "Logging out and in again did not change anything.",
    "It worked fine until last week.",
    "I followed the knowledge article but got stuck at step 3.",
    "Nobody else in my team seems to be affected.",
)
IMPACTS = (
    "This blocks the month-end close.",
    "I have a customer presentation in {city} tomorrow.",
    "Not urgent, but annoying.",
    "Three people in {dept} cannot work properly.",
    "We need this before the audit on {weekday}.",
    "I can work around it for now.",
    "It slows the whole team down.",
)
CLOSINGS = (
    "Thanks!",
    "Thank you in advance.",
    "Best regards,",
    "Cheers,",
    "Many thanks,",
    "Danke!",
    "Merci,",
    "Kind regards,",
)

# --- conversation -------------------------------------------------------------------------------

FIRST_REPLIES = (
    "Hi {req_first}, thanks for reporting this — I'm looking into it now.",
    "Hello {req_first}, I've picked this up and will get back to you today.",
    "Thanks {req_first}. I can reproduce it on our side and I'm working on it.",
    "Hi {req_first}, thank you. I'm checking this with the {team} team.",
    "Hi {req_first}, I'm on it. I'll update this ticket as soon as I know more.",
)
REQUESTER_REPLIES = (
    "Thanks for the quick reply!",
    "Here is the information you asked for. Let me know if you need anything else.",
    "Yes, it still happens after a restart.",
    "I'm at {location} all day tomorrow if you want to have a look.",
    "Screenshot attached. It happened again at 10:15.",
    "Thanks, {agent_first}. It looks better now, I'll keep an eye on it.",
    "No, it only happens on my machine.",
    "I checked: it is the same with {app}.",
)
FOLLOW_UPS = (
    "Any news on this? It is still not working.",
    "Just a friendly reminder — this is getting urgent.",
    "Could someone have a look today, please?",
    "Adding: it also happens to my colleague at {location}.",
)
INTERNAL_NOTES = (
    "Checked the logs: the error first appeared at 09:42. Looks related to last night's change.",
    "Vendor case opened: #{case}. Waiting for their second-level support.",
    "Known issue, see the knowledge base. Workaround applied for now.",
    "Same root cause as ACR-{other}; linking the two.",
    "@{colleague_first} can you take over while I'm at {location}?",
    "User called the hotline again, sounded stressed. Please prioritise.",
    "Spare part ordered, delivery expected on {weekday}.",
    "Not reproducible on my test machine; asked the user for more details.",
    "Escalated to the {team} lead because of the customer impact.",
    "Firmware {case} fixes this according to the release notes.",
)
RESOLVE_NOTES = (
    "Hi {req_first}, this should be fixed now. {resolution} Please let us know if it happens again.",
    "{resolution} I'm marking the ticket as resolved — just reply if anything is still wrong.",
    "All done: {resolution}",
)
REOPEN_REASONS = (
    "Unfortunately the problem is back.",
    "It worked for a day, now the same error again.",
    "This is not fixed — see my screenshot.",
    "The workaround does not work for my colleague either.",
)
CANCEL_NOTES = {
    "duplicate": ("Duplicate of ACR-{other}.", "Already reported by a colleague: ACR-{other}."),
    "withdrawn": (
        "Not needed anymore, sorry!",
        "Solved it myself, please close.",
        "Works again, no idea why.",
    ),
    "other": ("Moved to the project backlog instead.",),
}
FEEDBACK_COMMENTS = {
    5: (
        "Super fast, thank you!",
        "Excellent service, merci beaucoup.",
        "Great help, very friendly.",
        "Fixed before my coffee got cold ☕",
    ),
    4: ("Good, thanks.", "Solved, took a bit longer than expected.", "Helpful, thank you."),
    3: ("OK, but I had to ask twice.", "Fine in the end."),
    2: ("Took far too long.", "I had to explain the problem three times."),
    1: ("Still not really fixed.", "Nobody got back to me for a week."),
}
ARTICLE_INTRO = (
    "This article explains what to do when {topic_lower}.",
    "Use these steps if {topic_lower}. They solve most cases without a ticket.",
)
ARTICLE_STEPS = (
    "Restart the device and sign in again.",
    "Check the status page for known incidents.",
    "Make sure you are connected to ACERO-CORP or the VPN.",
    "Open the company portal and run the repair action.",
    "Note the exact error message and the time it happened.",
    "If it still fails, open a ticket and attach a screenshot.",
)

# --- saved searches and notifications -----------------------------------------------------------

SAVED_SEARCHES: dict[str, tuple[tuple[str, str], ...]] = {
    "agent": (
        ("My open tickets", "status:open assignee:me"),
        ("Breached in my team", "is:breached team:mine"),
        ("Urgent and unassigned", "priority:>=high is:unassigned"),
        ("VPN problems this week", "category:VPN created:>=-7d"),
    ),
    "lead": (
        ("Team queue", "status:open team:mine"),
        ("Breached in my team", "is:breached team:mine"),
        ("Urgent and unassigned", "priority:>=high is:unassigned"),
        ("Waiting on requester", "status:waiting team:mine"),
    ),
    "admin": (
        ("Everything breached", "is:breached"),
        ("Unassigned high priority", "priority:>=high is:unassigned"),
        ("Reopened tickets", "status:reopened"),
    ),
    "requester": (
        ("My open requests", "status:open requester:me"),
        ("Resolved, waiting for me", "status:resolved requester:me"),
    ),
}
