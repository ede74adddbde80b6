"""Word lists and compiled patterns of the quote engine (English news prose)."""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Speech cues: every inflected form that introduces or follows reported speech.
CUE_VERBS = _words(
    """
    say says said saying tell tells told telling explain explains explained explaining
    add adds added adding write writes wrote writing ask asks asked asking
    note notes noted noting argue argues argued arguing insist insists insisted insisting
    state states stated stating claim claims claimed claiming warn warns warned warning
    announce announces announced announcing confirm confirms confirmed confirming
    admit admits admitted admitting acknowledge acknowledges acknowledged acknowledging
    recall recalls recalled recalling reply replies replied replying respond responds
    responded responding declare declares declared declaring tweet tweets tweeted tweeting
    post posts posted posting call calls called calling describe describes described
    describing continue continues continued continuing agree agrees agreed agreeing
    suggest suggests suggested suggesting predict predicts predicted predicting
    promise promises promised promising concede concedes conceded conceding
    complain complains complained complaining stress stresses stressed stressing
    emphasize emphasizes emphasized emphasised emphasising urge urges urged urging
    joke jokes joked joking recount recounts recounted recounting testify testifies
    testified testifying believe believes believed maintain maintains maintained
    contend contends contended observe observes observed remark remarks remarked
    assure assures assured quip quips quipped wonder wonders wondered muse muses mused
    counter counters countered retort retorts retorted reiterate reiterates reiterated
    caution cautions cautioned assert asserts asserted allege alleges alleged
    vow vows vowed pledge pledges pledged boast boasts boasted lament laments lamented
    concluded exclaimed whispered shouted pleaded testified written
    """
)
# Cues that only count next to a quotation (they have other senses in running text).
WEAK_CUES = _words(
    """
    post posts posted posting call calls called calling describe describes described
    describing continue continues continued continuing add adds added adding
    write writes wrote writing ask asks asked asking state states stated stating
    """
)
# Cues that may introduce an indirect clause ("X said that ...").
INDIRECT_CUES = CUE_VERBS - _words(
    """
    post posts posted posting call calls called calling describe describes described
    describing continue continues continued continuing ask asks asked asking tweet tweets
    tweeted tweeting joke jokes joked joking reply replies replied replying respond
    responds responded responding
    """
)
# Cues after which the speaker may follow ("said Smith", "added councillor Nair").
INVERTIBLE = _words(
    """
    said says added asked wrote replied explained continued noted recalled insisted argued
    answered responded declared
    """
)
# Participles attach to the subject of their sentence ("..., saying ...").
PARTICIPLES = frozenset(w for w in CUE_VERBS if w.endswith("ing"))
ZERO_THAT_CUES = _words("say says said tell tells told believe believes believed insisted")

PRONOUNS = {"he": "m", "she": "f", "they": "", "it": "o", "we": "", "i": ""}
DETERMINERS = _words(
    "a an the one another some many most several two three four five its his her their our this"
    " these those each both"
)
AUXILIARIES = _words(
    """
    has have had will would also then later previously repeatedly once again recently
    quickly had never always often still just first publicly privately reportedly
    """
)
# Adverbs between a speaker and the cue ("Thomas allegedly told a supervisor").
SPEECH_ADVERBS = _words(
    """
    allegedly reportedly apparently initially subsequently simply angrily bluntly flatly
    firmly quietly proudly candidly frankly openly tearfully jokingly sarcastically
    """
)
CLAUSE_AUX = _words(
    """
    would will could can had has have was were is are should might may did does do must
    shall cannot
    """
)
HONORIFICS = _words(
    """
    Mr. Mrs. Ms. Miss Dr. Prof. Sen. Rep. Gov. Gen. Lt. Col. Capt. Sgt. Rev. Sir Dame Lord
    Lady Judge Senator Governor President Premier Mayor Professor Minister Ambassador Chancellor
    King Queen Prince Princess Pope Bishop Father Sister Justice Councillor Councilor
    """
)
FEMALE = _words(
    "Mrs. Ms. Miss Dame Lady Queen Princess Sister spokeswoman chairwoman businesswoman"
)
MALE = _words("Mr. Sir Lord King Prince Father spokesman chairman businessman")

ROLE_HEADS = _words(
    """
    spokesperson spokespeople spokeswoman spokesman official officials minister ministers
    secretary director directors manager managers chair chairman chairwoman president
    executive executives officer officers chief head leader leaders founder analyst analysts
    economist economists expert experts researcher researchers scientist scientists professor
    lawyer lawyers attorney attorneys judge prosecutor prosecutors resident residents
    neighbour neighbours neighbor neighbors witness witnesses worker workers employee employees
    staff farmer farmers teacher teachers student students parent parents doctor doctors nurse
    nurses patient patients critic critics opponent opponents supporter supporters campaigner
    campaigners activist activists advocate advocates organiser organizer organisers organizers
    councillor councilor councillors mayor governor senator senators lawmaker lawmakers
    legislator legislators member members representative representatives rep author coach
    captain player players striker skipper baker owner owners landlord landlords tenant tenants
    fans people person source sources insider insiders diplomat diplomats commander soldier
    soldiers investigators inspector inspectors engineer engineers historian curator conductor
    singer writer editor host partner adviser advisor aide aides deputy ambassador envoy premier
    chancellor bishop priest rabbi imam pastor anglers fishermen drivers passengers users
    customers voters shoppers observers scholars economist treasurer ranger officer residents
    colleagues relatives mother father son daughter sister brother wife husband friend friends
    trustee trustees board governors commissioner commissioners directors regulators auditors
    organisers
    """
)
ORG_HEADS = _words(
    """
    union unions company companies government ministry department agency council committee
    court office report statement study survey group groups firm bank regulator authority
    authorities administration party opposition service team club board campaign coalition
    alliance network association organization organisation institute university hospital
    school police army military operator startup business airline charity label embassy
    commission bureau foundation federation league trust society centre center forum fund
    organizers paper newspaper website app platform publisher studio museum city county
    district province region municipality state
    """
)
ORG_WORDS = _words(
    """
    Inc. Inc Corp. Corp Ltd. Ltd LLC Co. PLC plc AG GmbH Ministry Department Network Union
    Council Agency Commission Committee Company Group Association Institute University Bank
    Party Police Court Office Bureau Authority Government Foundation Federation League Board
    Service Trust Society Center Centre Alliance Coalition Organization Organisation Fund
    Forum Records Foods Energy Securities Airlines Partners Holdings Capital Media Press
    Hospital School College Church Club Collective Assembly Parliament Senate Congress
    Watch Rights Agency's Department's Council's Industries Motors Systems Technologies
    Ferries Airways Railways Shipping Lines Logistics Museum
    """
)
PLACE_WORDS = _words(
    """
    Valley River City Street Road Avenue Park Island Islands Sea Ocean Mountains Lake Bay
    Harbour Harbor Square Bridge Hall Station Airport Street's Coast County Province State
    States Kingdom Republic North South East West New Old Saint St. Mount Port Fort
    January February March April May June July August September October November December
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday Christmas Easter
    """
)
SENTENCE_CAPS = _words(
    """
    But And Or So Then Later Yesterday Today Meanwhile However Still Also Now In On At After
    Before When While Asked Speaking Last This That These Those If As Since Although Though
    Under Over For From With Without By During Instead Yet Even Only Once Here There
    According It He She They We I You His Her Their Its Our My Your Why What How Who
    """
)
OUTLET_WORDS = _words(
    """
    News Times Post Journal Herald Guardian Tribune Reuters AP AFP BBC CNN NPR Radio TV
    Television Magazine Gazette Daily Press Telegraph Mail Chronicle Observer Wire Bloomberg
    Axios Politico BuzzFeed Courier Ledger Beacon Dispatch Standard Record Monitor Express
    Sentinel Bulletin Inquirer Examiner Globe Mirror Independent Insider Lantern Weekly
    Podcast Broadcasting Channel Network Review Today Register Star Sun Week Economist
    """
)
PREPOSITIONS = _words("of for to at from on with in")
NP_PREPOSITIONS = _words("of for at from on")
# Words right before a quotation that make it a title, name or term, not speech.
WORK_WORDS = _words(
    """
    film movie documentary book novel memoir song album single show series play musical
    opera poem painting exhibition exhibit episode podcast article column essay headline
    headlined journal magazine newspaper short titled entitled named dubbed nicknamed termed
    branded labeled labelled so-called hashtag slogan motto phrase word words term banner
    sign campaign programme program project operation nickname famous theme
    """
)
KNOWN_AS = re.compile(r"(?:known|referred to|described|billed|marketed)\s+as\s*$")

STOP_LOWER = _words(
    """
    and but or nor that which who whom whose where when while because although though if
    is are was were be been being has have had do does did will would can could should may
    might must not no yes to in by as than then so also very just only even
    """
)
