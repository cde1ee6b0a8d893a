-- Hardening: codes and names without invisible characters, bounded input, a pinned full case
-- folding for code keys, the constraint-to-field map as data, and no foreign key that another
-- one already implies.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '30min';
SET LOCAL ROLE erp_owner;

-- result types change in this release (CREATE OR REPLACE cannot change them); internal
-- squawk-ignore ban-drop-function
DROP FUNCTION IF EXISTS erp._context_check(uuid, uuid, text, text);

-- ---- invisible characters ------------------------------------------------------------------
-- Unicode 14 categories Cc (controls), Cf (format: zero-width space/joiner, soft hyphen, BOM,
-- bidi marks, ...), Zl and Zp (line/paragraph separators), listed by code point so the answer
-- never depends on the locale or the regex library's character classes.
-- The check constraints of every code and name call erp._has_invisible, and a constraint's
-- expression is prepared again by every INSERT or UPDATE statement, inlining the SQL functions
-- it calls: so erp._has_invisible is a small expression (ASCII, almost every value, needs only
-- the C0 controls and DEL), and the full table lives in a PL/pgSQL function that is not
-- inlined and runs only for non-ASCII text. Both give the same answer.
CREATE FUNCTION erp._has_invisible_unicode(p_text text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
BEGIN
    RETURN p_text ~ '[\u0001-\u001F\u007F-\u009F\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890-\u0891\u08E2\u180E\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB\U000110BD\U000110CD\U00013430-\U00013438\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0001\U000E0020-\U000E007F]';
END
$fn$;
COMMENT ON FUNCTION erp._has_invisible_unicode(text) IS
    'erp._has_invisible for any text: the full Unicode 14 Cc, Cf, Zl, Zp table';

-- not STRICT: a strict SQL function with a CASE is never inlined
CREATE FUNCTION erp._has_invisible(p_text text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN pg_catalog.octet_length(p_text) = pg_catalog.char_length(p_text) THEN p_text ~ '[\x01-\x1F\x7F]'
    ELSE erp._has_invisible_unicode(p_text)
END;
COMMENT ON FUNCTION erp._has_invisible(text) IS
    'true if the text contains a control, format or line/paragraph separator character (Unicode 14 Cc, Cf, Zl, Zp)';

-- ---- full case folding, pinned ---------------------------------------------------------------
-- Unicode 14 full case folding (CaseFolding.txt statuses C and F) as a fixed table, written by
-- scripts/gen_casefold.py: stored keys depend on it, so it must not follow ICU or glibc
-- upgrades the way lower() does ("straße" = "STRASSE", "ǅ" = "ǆ").
-- PL/pgSQL, not SQL: an SQL body would be inlined into every generated key column and
-- deserialised at the start of every insert (~400 µs); only non-ASCII codes call it.
CREATE FUNCTION erp._casefold(p_text text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
BEGIN
    RETURN pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.translate(p_text, 'ABCDEFGHIJKLMNOPQRSTUVWXYZµÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮĲĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽſƁƂƄƆƇƉƊƋƎƏƐƑƓƔƖƗƘƜƝƟƠƢƤƦƧƩƬƮƯƱƲƳƵƷƸƼǄǅǇǈǊǋǍǏǑǓǕǗǙǛǞǠǢǤǦǨǪǬǮǱǲǴǶǷǸǺǼǾȀȂȄȆȈȊȌȎȐȒȔȖȘȚȜȞȠȢȤȦȨȪȬȮȰȲȺȻȽȾɁɃɄɅɆɈɊɌɎͅͰͲͶͿΆΈΉΊΌΎΏΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩΪΫςϏϐϑϕϖϘϚϜϞϠϢϤϦϨϪϬϮϰϱϴϵϷϹϺϽϾϿЀЁЂЃЄЅІЇЈЉЊЋЌЍЎЏАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯѠѢѤѦѨѪѬѮѰѲѴѶѸѺѼѾҀҊҌҎҐҒҔҖҘҚҜҞҠҢҤҦҨҪҬҮҰҲҴҶҸҺҼҾӀӁӃӅӇӉӋӍӐӒӔӖӘӚӜӞӠӢӤӦӨӪӬӮӰӲӴӶӸӺӼӾԀԂԄԆԈԊԌԎԐԒԔԖԘԚԜԞԠԢԤԦԨԪԬԮԱԲԳԴԵԶԷԸԹԺԻԼԽԾԿՀՁՂՃՄՅՆՇՈՉՊՋՌՍՎՏՐՑՒՓՔՕՖႠႡႢႣႤႥႦႧႨႩႪႫႬႭႮႯႰႱႲႳႴႵႶႷႸႹႺႻႼႽႾႿჀჁჂჃჄჅჇჍᏸᏹᏺᏻᏼᏽᲀᲁᲂᲃᲄᲅᲆᲇᲈᲐᲑᲒᲓᲔᲕᲖᲗᲘᲙᲚᲛᲜᲝᲞᲟᲠᲡᲢᲣᲤᲥᲦᲧᲨᲩᲪᲫᲬᲭᲮᲯᲰᲱᲲᲳᲴᲵᲶᲷᲸᲹᲺᲽᲾᲿḀḂḄḆḈḊḌḎḐḒḔḖḘḚḜḞḠḢḤḦḨḪḬḮḰḲḴḶḸḺḼḾṀṂṄṆṈṊṌṎṐṒṔṖṘṚṜṞṠṢṤṦṨṪṬṮṰṲṴṶṸṺṼṾẀẂẄẆẈẊẌẎẐẒẔẛẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸỺỼỾἈἉἊἋἌἍἎἏἘἙἚἛἜἝἨἩἪἫἬἭἮἯἸἹἺἻἼἽἾἿὈὉὊὋὌὍὙὛὝὟὨὩὪὫὬὭὮὯᾸᾹᾺΆιῈΈῊΉῘῙῚΊῨῩῪΎῬῸΌῺΏΩKÅℲⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫⅬⅭⅮⅯↃⒶⒷⒸⒹⒺⒻⒼⒽⒾⒿⓀⓁⓂⓃⓄⓅⓆⓇⓈⓉⓊⓋⓌⓍⓎⓏⰀⰁⰂⰃⰄⰅⰆⰇⰈⰉⰊⰋⰌⰍⰎⰏⰐⰑⰒⰓⰔⰕⰖⰗⰘⰙⰚⰛⰜⰝⰞⰟⰠⰡⰢⰣⰤⰥⰦⰧⰨⰩⰪⰫⰬⰭⰮⰯⱠⱢⱣⱤⱧⱩⱫⱭⱮⱯⱰⱲⱵⱾⱿⲀⲂⲄⲆⲈⲊⲌⲎⲐⲒⲔⲖⲘⲚⲜⲞⲠⲢⲤⲦⲨⲪⲬⲮⲰⲲⲴⲶⲸⲺⲼⲾⳀⳂⳄⳆⳈⳊⳌⳎⳐⳒⳔⳖⳘⳚⳜⳞⳠⳢⳫⳭⳲꙀꙂꙄꙆꙈꙊꙌꙎꙐꙒꙔꙖꙘꙚꙜꙞꙠꙢꙤꙦꙨꙪꙬꚀꚂꚄꚆꚈꚊꚌꚎꚐꚒꚔꚖꚘꚚꜢꜤꜦꜨꜪꜬꜮꜲꜴꜶꜸꜺꜼꜾꝀꝂꝄꝆꝈꝊꝌꝎꝐꝒꝔꝖꝘꝚꝜꝞꝠꝢꝤꝦꝨꝪꝬꝮꝹꝻꝽꝾꞀꞂꞄꞆꞋꞍꞐꞒꞖꞘꞚꞜꞞꞠꞢꞤꞦꞨꞪꞫꞬꞭꞮꞰꞱꞲꞳꞴꞶꞸꞺꞼꞾꟀꟂꟄꟅꟆꟇꟉꟐꟖꟘꟵꭰꭱꭲꭳꭴꭵꭶꭷꭸꭹꭺꭻꭼꭽꭾꭿꮀꮁꮂꮃꮄꮅꮆꮇꮈꮉꮊꮋꮌꮍꮎꮏꮐꮑꮒꮓꮔꮕꮖꮗꮘꮙꮚꮛꮜꮝꮞꮟꮠꮡꮢꮣꮤꮥꮦꮧꮨꮩꮪꮫꮬꮭꮮꮯꮰꮱꮲꮳꮴꮵꮶꮷꮸꮹꮺꮻꮼꮽꮾꮿＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ𐐀𐐁𐐂𐐃𐐄𐐅𐐆𐐇𐐈𐐉𐐊𐐋𐐌𐐍𐐎𐐏𐐐𐐑𐐒𐐓𐐔𐐕𐐖𐐗𐐘𐐙𐐚𐐛𐐜𐐝𐐞𐐟𐐠𐐡𐐢𐐣𐐤𐐥𐐦𐐧𐒰𐒱𐒲𐒳𐒴𐒵𐒶𐒷𐒸𐒹𐒺𐒻𐒼𐒽𐒾𐒿𐓀𐓁𐓂𐓃𐓄𐓅𐓆𐓇𐓈𐓉𐓊𐓋𐓌𐓍𐓎𐓏𐓐𐓑𐓒𐓓𐕰𐕱𐕲𐕳𐕴𐕵𐕶𐕷𐕸𐕹𐕺𐕼𐕽𐕾𐕿𐖀𐖁𐖂𐖃𐖄𐖅𐖆𐖇𐖈𐖉𐖊𐖌𐖍𐖎𐖏𐖐𐖑𐖒𐖔𐖕𐲀𐲁𐲂𐲃𐲄𐲅𐲆𐲇𐲈𐲉𐲊𐲋𐲌𐲍𐲎𐲏𐲐𐲑𐲒𐲓𐲔𐲕𐲖𐲗𐲘𐲙𐲚𐲛𐲜𐲝𐲞𐲟𐲠𐲡𐲢𐲣𐲤𐲥𐲦𐲧𐲨𐲩𐲪𐲫𐲬𐲭𐲮𐲯𐲰𐲱𐲲𑢠𑢡𑢢𑢣𑢤𑢥𑢦𑢧𑢨𑢩𑢪𑢫𑢬𑢭𑢮𑢯𑢰𑢱𑢲𑢳𑢴𑢵𑢶𑢷𑢸𑢹𑢺𑢻𑢼𑢽𑢾𑢿𖹀𖹁𖹂𖹃𖹄𖹅𖹆𖹇𖹈𖹉𖹊𖹋𖹌𖹍𖹎𖹏𖹐𖹑𖹒𖹓𖹔𖹕𖹖𖹗𖹘𖹙𖹚𖹛𖹜𖹝𖹞𖹟𞤀𞤁𞤂𞤃𞤄𞤅𞤆𞤇𞤈𞤉𞤊𞤋𞤌𞤍𞤎𞤏𞤐𞤑𞤒𞤓𞤔𞤕𞤖𞤗𞤘𞤙𞤚𞤛𞤜𞤝𞤞𞤟𞤠𞤡', 'abcdefghijklmnopqrstuvwxyzμàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþāăąćĉċčďđēĕėęěĝğġģĥħĩīĭįĳĵķĺļľŀłńņňŋōŏőœŕŗřśŝşšţťŧũūŭůűųŵŷÿźżžsɓƃƅɔƈɖɗƌǝəɛƒɠɣɩɨƙɯɲɵơƣƥʀƨʃƭʈưʊʋƴƶʒƹƽǆǆǉǉǌǌǎǐǒǔǖǘǚǜǟǡǣǥǧǩǫǭǯǳǳǵƕƿǹǻǽǿȁȃȅȇȉȋȍȏȑȓȕȗșțȝȟƞȣȥȧȩȫȭȯȱȳⱥȼƚⱦɂƀʉʌɇɉɋɍɏιͱͳͷϳάέήίόύώαβγδεζηθικλμνξοπρστυφχψωϊϋσϗβθφπϙϛϝϟϡϣϥϧϩϫϭϯκρθεϸϲϻͻͼͽѐёђѓєѕіїјљњћќѝўџабвгдежзийклмнопрстуфхцчшщъыьэюяѡѣѥѧѩѫѭѯѱѳѵѷѹѻѽѿҁҋҍҏґғҕҗҙқҝҟҡңҥҧҩҫҭүұҳҵҷҹһҽҿӏӂӄӆӈӊӌӎӑӓӕӗәӛӝӟӡӣӥӧөӫӭӯӱӳӵӷӹӻӽӿԁԃԅԇԉԋԍԏԑԓԕԗԙԛԝԟԡԣԥԧԩԫԭԯաբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆⴀⴁⴂⴃⴄⴅⴆⴇⴈⴉⴊⴋⴌⴍⴎⴏⴐⴑⴒⴓⴔⴕⴖⴗⴘⴙⴚⴛⴜⴝⴞⴟⴠⴡⴢⴣⴤⴥⴧⴭᏰᏱᏲᏳᏴᏵвдосттъѣꙋაბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰჱჲჳჴჵჶჷჸჹჺჽჾჿḁḃḅḇḉḋḍḏḑḓḕḗḙḛḝḟḡḣḥḧḩḫḭḯḱḳḵḷḹḻḽḿṁṃṅṇṉṋṍṏṑṓṕṗṙṛṝṟṡṣṥṧṩṫṭṯṱṳṵṷṹṻṽṿẁẃẅẇẉẋẍẏẑẓẕṡạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹỻỽỿἀἁἂἃἄἅἆἇἐἑἒἓἔἕἠἡἢἣἤἥἦἧἰἱἲἳἴἵἶἷὀὁὂὃὄὅὑὓὕὗὠὡὢὣὤὥὦὧᾰᾱὰάιὲέὴήῐῑὶίῠῡὺύῥὸόὼώωkåⅎⅰⅱⅲⅳⅴⅵⅶⅷⅸⅹⅺⅻⅼⅽⅾⅿↄⓐⓑⓒⓓⓔⓕⓖⓗⓘⓙⓚⓛⓜⓝⓞⓟⓠⓡⓢⓣⓤⓥⓦⓧⓨⓩⰰⰱⰲⰳⰴⰵⰶⰷⰸⰹⰺⰻⰼⰽⰾⰿⱀⱁⱂⱃⱄⱅⱆⱇⱈⱉⱊⱋⱌⱍⱎⱏⱐⱑⱒⱓⱔⱕⱖⱗⱘⱙⱚⱛⱜⱝⱞⱟⱡɫᵽɽⱨⱪⱬɑɱɐɒⱳⱶȿɀⲁⲃⲅⲇⲉⲋⲍⲏⲑⲓⲕⲗⲙⲛⲝⲟⲡⲣⲥⲧⲩⲫⲭⲯⲱⲳⲵⲷⲹⲻⲽⲿⳁⳃⳅⳇⳉⳋⳍⳏⳑⳓⳕⳗⳙⳛⳝⳟⳡⳣⳬⳮⳳꙁꙃꙅꙇꙉꙋꙍꙏꙑꙓꙕꙗꙙꙛꙝꙟꙡꙣꙥꙧꙩꙫꙭꚁꚃꚅꚇꚉꚋꚍꚏꚑꚓꚕꚗꚙꚛꜣꜥꜧꜩꜫꜭꜯꜳꜵꜷꜹꜻꜽꜿꝁꝃꝅꝇꝉꝋꝍꝏꝑꝓꝕꝗꝙꝛꝝꝟꝡꝣꝥꝧꝩꝫꝭꝯꝺꝼᵹꝿꞁꞃꞅꞇꞌɥꞑꞓꞗꞙꞛꞝꞟꞡꞣꞥꞧꞩɦɜɡɬɪʞʇʝꭓꞵꞷꞹꞻꞽꞿꟁꟃꞔʂᶎꟈꟊꟑꟗꟙꟶᎠᎡᎢᎣᎤᎥᎦᎧᎨᎩᎪᎫᎬᎭᎮᎯᎰᎱᎲᎳᎴᎵᎶᎷᎸᎹᎺᎻᎼᎽᎾᎿᏀᏁᏂᏃᏄᏅᏆᏇᏈᏉᏊᏋᏌᏍᏎᏏᏐᏑᏒᏓᏔᏕᏖᏗᏘᏙᏚᏛᏜᏝᏞᏟᏠᏡᏢᏣᏤᏥᏦᏧᏨᏩᏪᏫᏬᏭᏮᏯａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ𐐨𐐩𐐪𐐫𐐬𐐭𐐮𐐯𐐰𐐱𐐲𐐳𐐴𐐵𐐶𐐷𐐸𐐹𐐺𐐻𐐼𐐽𐐾𐐿𐑀𐑁𐑂𐑃𐑄𐑅𐑆𐑇𐑈𐑉𐑊𐑋𐑌𐑍𐑎𐑏𐓘𐓙𐓚𐓛𐓜𐓝𐓞𐓟𐓠𐓡𐓢𐓣𐓤𐓥𐓦𐓧𐓨𐓩𐓪𐓫𐓬𐓭𐓮𐓯𐓰𐓱𐓲𐓳𐓴𐓵𐓶𐓷𐓸𐓹𐓺𐓻𐖗𐖘𐖙𐖚𐖛𐖜𐖝𐖞𐖟𐖠𐖡𐖣𐖤𐖥𐖦𐖧𐖨𐖩𐖪𐖫𐖬𐖭𐖮𐖯𐖰𐖱𐖳𐖴𐖵𐖶𐖷𐖸𐖹𐖻𐖼𐳀𐳁𐳂𐳃𐳄𐳅𐳆𐳇𐳈𐳉𐳊𐳋𐳌𐳍𐳎𐳏𐳐𐳑𐳒𐳓𐳔𐳕𐳖𐳗𐳘𐳙𐳚𐳛𐳜𐳝𐳞𐳟𐳠𐳡𐳢𐳣𐳤𐳥𐳦𐳧𐳨𐳩𐳪𐳫𐳬𐳭𐳮𐳯𐳰𐳱𐳲𑣀𑣁𑣂𑣃𑣄𑣅𑣆𑣇𑣈𑣉𑣊𑣋𑣌𑣍𑣎𑣏𑣐𑣑𑣒𑣓𑣔𑣕𑣖𑣗𑣘𑣙𑣚𑣛𑣜𑣝𑣞𑣟𖹠𖹡𖹢𖹣𖹤𖹥𖹦𖹧𖹨𖹩𖹪𖹫𖹬𖹭𖹮𖹯𖹰𖹱𖹲𖹳𖹴𖹵𖹶𖹷𖹸𖹹𖹺𖹻𖹼𖹽𖹾𖹿𞤢𞤣𞤤𞤥𞤦𞤧𞤨𞤩𞤪𞤫𞤬𞤭𞤮𞤯𞤰𞤱𞤲𞤳𞤴𞤵𞤶𞤷𞤸𞤹𞤺𞤻𞤼𞤽𞤾𞤿𞥀𞥁𞥂𞥃'), 'ß', 'ss'), 'İ', 'i̇'), 'ŉ', 'ʼn'), 'ǰ', 'ǰ'), 'ΐ', 'ΐ'), 'ΰ', 'ΰ'), 'և', 'եւ'), 'ẖ', 'ẖ'), 'ẗ', 'ẗ'), 'ẘ', 'ẘ'), 'ẙ', 'ẙ'), 'ẚ', 'aʾ'), 'ẞ', 'ss'), 'ὐ', 'ὐ'), 'ὒ', 'ὒ'), 'ὔ', 'ὔ'), 'ὖ', 'ὖ'), 'ᾀ', 'ἀι'), 'ᾁ', 'ἁι'), 'ᾂ', 'ἂι'), 'ᾃ', 'ἃι'), 'ᾄ', 'ἄι'), 'ᾅ', 'ἅι'), 'ᾆ', 'ἆι'), 'ᾇ', 'ἇι'), 'ᾈ', 'ἀι'), 'ᾉ', 'ἁι'), 'ᾊ', 'ἂι'), 'ᾋ', 'ἃι'), 'ᾌ', 'ἄι'), 'ᾍ', 'ἅι'), 'ᾎ', 'ἆι'), 'ᾏ', 'ἇι'), 'ᾐ', 'ἠι'), 'ᾑ', 'ἡι'), 'ᾒ', 'ἢι'), 'ᾓ', 'ἣι'), 'ᾔ', 'ἤι'), 'ᾕ', 'ἥι'), 'ᾖ', 'ἦι'), 'ᾗ', 'ἧι'), 'ᾘ', 'ἠι'), 'ᾙ', 'ἡι'), 'ᾚ', 'ἢι'), 'ᾛ', 'ἣι'), 'ᾜ', 'ἤι'), 'ᾝ', 'ἥι'), 'ᾞ', 'ἦι'), 'ᾟ', 'ἧι'), 'ᾠ', 'ὠι'), 'ᾡ', 'ὡι'), 'ᾢ', 'ὢι'), 'ᾣ', 'ὣι'), 'ᾤ', 'ὤι'), 'ᾥ', 'ὥι'), 'ᾦ', 'ὦι'), 'ᾧ', 'ὧι'), 'ᾨ', 'ὠι'), 'ᾩ', 'ὡι'), 'ᾪ', 'ὢι'), 'ᾫ', 'ὣι'), 'ᾬ', 'ὤι'), 'ᾭ', 'ὥι'), 'ᾮ', 'ὦι'), 'ᾯ', 'ὧι'), 'ᾲ', 'ὰι'), 'ᾳ', 'αι'), 'ᾴ', 'άι'), 'ᾶ', 'ᾶ'), 'ᾷ', 'ᾶι'), 'ᾼ', 'αι'), 'ῂ', 'ὴι'), 'ῃ', 'ηι'), 'ῄ', 'ήι'), 'ῆ', 'ῆ'), 'ῇ', 'ῆι'), 'ῌ', 'ηι'), 'ῒ', 'ῒ'), 'ΐ', 'ΐ'), 'ῖ', 'ῖ'), 'ῗ', 'ῗ'), 'ῢ', 'ῢ'), 'ΰ', 'ΰ'), 'ῤ', 'ῤ'), 'ῦ', 'ῦ'), 'ῧ', 'ῧ'), 'ῲ', 'ὼι'), 'ῳ', 'ωι'), 'ῴ', 'ώι'), 'ῶ', 'ῶ'), 'ῷ', 'ῶι'), 'ῼ', 'ωι'), 'ﬀ', 'ff'), 'ﬁ', 'fi'), 'ﬂ', 'fl'), 'ﬃ', 'ffi'), 'ﬄ', 'ffl'), 'ﬅ', 'st'), 'ﬆ', 'st'), 'ﬓ', 'մն'), 'ﬔ', 'մե'), 'ﬕ', 'մի'), 'ﬖ', 'վն'), 'ﬗ', 'մխ');
END
$fn$;
COMMENT ON FUNCTION erp._casefold(text) IS
    'Unicode 14 full case folding from a fixed table (independent of locale, ICU and glibc)';

-- The key of a code: NFKC, full case folding, NFKC again, trimmed of spaces, tabs and line
-- breaks. ASCII (almost every code) takes the short path, which gives the same result.
-- Not STRICT: a strict SQL function whose body has a CASE is never inlined, and then every
-- call (every generated key column of every insert) plans this body again, at ~350 µs.
CREATE OR REPLACE FUNCTION erp._code_key(p_code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN octet_length(p_code) = char_length(p_code) THEN btrim(lower(p_code COLLATE "C"), E' \t\r\n')
    ELSE btrim(normalize(erp._casefold(normalize(p_code, nfkc)), nfkc), E' \t\r\n')
END;
COMMENT ON FUNCTION erp._code_key(text) IS
    'Comparison key of a code: NFKC, full Unicode case folding (pinned table), NFKC, trimmed '
    '("KG" = " kg " = "ＫＧ", "STRASSE" = "straße")';

-- The new key may make two existing codes equal: list them by name and refuse, never fail
-- on a raw unique violation. Then recompute the stored keys that change.
DO $keys$
DECLARE
    v_clashes text;
BEGIN
    WITH keyed (tbl, tenant_id, source, new_key) AS (
        SELECT 'unit category', c.tenant_id, c.code, erp._code_key(c.code) FROM erp.erp_uom_categories AS c
        UNION ALL SELECT 'unit', u.tenant_id, u.code, erp._code_key(u.code) FROM erp.erp_uoms AS u
        UNION ALL SELECT 'partner code', p.tenant_id, p.code, erp._code_key(p.code) FROM erp.erp_partners AS p
        UNION ALL SELECT 'partner tax id', p.tenant_id, p.tax_id, erp._code_key(p.tax_id)
        FROM erp.erp_partners AS p WHERE p.tax_id IS NOT NULL
        UNION ALL SELECT 'product SKU', p.tenant_id, p.sku, erp._code_key(p.sku) FROM erp.erp_products AS p
        UNION ALL SELECT 'product barcode', p.tenant_id, p.barcode, erp._code_key(p.barcode)
        FROM erp.erp_products AS p WHERE p.barcode IS NOT NULL
        UNION ALL SELECT 'sequence', s.tenant_id, s.code, erp._code_key(s.code) FROM erp.erp_sequences AS s
    ),
    clashes AS (
        SELECT format('%s %s in tenant %s', k.tbl,
            string_agg(quote_literal(left(k.source, 40)), ' = ' ORDER BY k.source), k.tenant_id) AS c
        FROM keyed AS k GROUP BY k.tbl, k.tenant_id, k.new_key HAVING count(*) > 1
    )
    SELECT string_agg(c.c, '; ') INTO v_clashes FROM (SELECT * FROM clashes LIMIT 20) AS c;
    IF v_clashes IS NOT NULL THEN
        RAISE EXCEPTION 'full case folding makes these codes equal: %', v_clashes
            USING ERRCODE = 'ZE002',
            HINT = 'Rename one of each pair with the previous release (its *_update functions), then upgrade again.';
    END IF;
END
$keys$;
UPDATE erp.erp_uom_categories SET code = code WHERE code_key IS DISTINCT FROM erp._code_key(code);
UPDATE erp.erp_uoms SET code = code WHERE code_key IS DISTINCT FROM erp._code_key(code);
UPDATE erp.erp_partners SET code = code
WHERE code_key IS DISTINCT FROM erp._code_key(code) OR tax_id_key IS DISTINCT FROM erp._code_key(tax_id);
UPDATE erp.erp_products SET sku = sku
WHERE sku_key IS DISTINCT FROM erp._code_key(sku) OR barcode_key IS DISTINCT FROM erp._code_key(barcode);
UPDATE erp.erp_sequences SET code = code WHERE code_key IS DISTINCT FROM erp._code_key(code);

-- ---- limits (NOT VALID: rows written before are checked when they are next written) -----------
ALTER TABLE erp.erp_tenants ADD CONSTRAINT erp_tenants_name_limit_check
CHECK (char_length(name) <= 500 AND NOT erp._has_invisible(name)) NOT VALID;
ALTER TABLE erp.erp_uom_categories ADD CONSTRAINT erp_uom_categories_code_limit_check
CHECK (char_length(code) <= 100 AND NOT erp._has_invisible(code)) NOT VALID;
ALTER TABLE erp.erp_uom_categories ADD CONSTRAINT erp_uom_categories_name_limit_check
CHECK (char_length(name) <= 500 AND NOT erp._has_invisible(name)) NOT VALID;
ALTER TABLE erp.erp_uoms ADD CONSTRAINT erp_uoms_code_limit_check
CHECK (char_length(code) <= 100 AND NOT erp._has_invisible(code)) NOT VALID;
ALTER TABLE erp.erp_uoms ADD CONSTRAINT erp_uoms_name_limit_check
CHECK (char_length(name) <= 500 AND NOT erp._has_invisible(name)) NOT VALID;
ALTER TABLE erp.erp_uoms ADD CONSTRAINT erp_uoms_factor_limit_check
CHECK (factor BETWEEN 1e-12 AND 1e12 AND scale(factor) <= 12) NOT VALID;
ALTER TABLE erp.erp_uoms ADD CONSTRAINT erp_uoms_rounding_limit_check
CHECK (rounding BETWEEN 1e-12 AND 1e12 AND scale(rounding) <= 12) NOT VALID;
ALTER TABLE erp.erp_partners ADD CONSTRAINT erp_partners_code_limit_check
CHECK (char_length(code) <= 100 AND NOT erp._has_invisible(code)) NOT VALID;
ALTER TABLE erp.erp_partners ADD CONSTRAINT erp_partners_name_limit_check
CHECK (char_length(name) <= 500 AND NOT erp._has_invisible(name)) NOT VALID;
ALTER TABLE erp.erp_partners ADD CONSTRAINT erp_partners_tax_id_limit_check
CHECK (char_length(tax_id) <= 100 AND NOT erp._has_invisible(tax_id)) NOT VALID;
ALTER TABLE erp.erp_partners ADD CONSTRAINT erp_partners_email_limit_check
CHECK (char_length(email) <= 254) NOT VALID;
ALTER TABLE erp.erp_partners ADD CONSTRAINT erp_partners_address_limit_check
CHECK (octet_length(address::text) <= 16384) NOT VALID;
ALTER TABLE erp.erp_products ADD CONSTRAINT erp_products_sku_limit_check
CHECK (char_length(sku) <= 100 AND NOT erp._has_invisible(sku)) NOT VALID;
ALTER TABLE erp.erp_products ADD CONSTRAINT erp_products_name_limit_check
CHECK (char_length(name) <= 500 AND NOT erp._has_invisible(name)) NOT VALID;
ALTER TABLE erp.erp_products ADD CONSTRAINT erp_products_barcode_limit_check
CHECK (char_length(barcode) <= 100 AND NOT erp._has_invisible(barcode)) NOT VALID;
ALTER TABLE erp.erp_products ADD CONSTRAINT erp_products_price_limit_check
CHECK (list_price < 1e15 AND scale(list_price) <= 10) NOT VALID;
ALTER TABLE erp.erp_sequences ADD CONSTRAINT erp_sequences_code_limit_check
CHECK (char_length(code) <= 100 AND NOT erp._has_invisible(code)) NOT VALID;
ALTER TABLE erp.erp_sequences ADD CONSTRAINT erp_sequences_name_limit_check
CHECK (char_length(name) <= 500 AND NOT erp._has_invisible(name)) NOT VALID;
ALTER TABLE erp.erp_sequences ADD CONSTRAINT erp_sequences_affix_limit_check
CHECK (
    char_length(prefix) <= 50 AND char_length(suffix) <= 50
    AND NOT erp._has_invisible(prefix) AND NOT erp._has_invisible(suffix)
) NOT VALID;

-- ---- no foreign key another one implies ------------------------------------------------------
-- (tenant_id, category_id) -> erp_uom_categories and (tenant_id, uom_id) -> erp_uoms already
-- prove the tenant exists; the tenant key's KEY SHARE lock on every insert made the tenant
-- row a multixact hot spot shared by all writers of the tenant.
-- squawk-ignore ban-drop-constraint
ALTER TABLE erp.erp_uoms DROP CONSTRAINT erp_uoms_tenant_fkey;
-- squawk-ignore ban-drop-constraint
ALTER TABLE erp.erp_products DROP CONSTRAINT erp_products_tenant_fkey;

-- ---- which field a constraint is about: data, keyed by table --------------------------------
CREATE TABLE erp_meta.constraint_fields (
    table_name text NOT NULL,
    constraint_name text NOT NULL,
    field text NOT NULL,
    CONSTRAINT constraint_fields_pkey PRIMARY KEY (table_name, constraint_name)
);
COMMENT ON TABLE erp_meta.constraint_fields IS
    'The field a person should look at when a constraint (or unique index) of an entity table '
    'refuses a value; the generated writers name it in their errors. A test checks that every '
    'constraint of every registered table is listed.';
INSERT INTO erp_meta.constraint_fields (table_name, constraint_name, field)
SELECT c.conrelid::regclass::text AS table_name, c.conname AS constraint_name,
    coalesce(obj_description(c.oid, 'pg_constraint'), CASE c.contype WHEN 'p' THEN 'id' END) AS field
FROM pg_catalog.pg_constraint AS c
WHERE c.connamespace = 'erp'::regnamespace AND c.conrelid <> 0 AND c.contype IN ('p', 'u', 'c', 'f')
    AND c.conrelid::regclass::text NOT LIKE 'erp.erp_audit_events%'
    AND coalesce(obj_description(c.oid, 'pg_constraint'), CASE c.contype WHEN 'p' THEN 'id' END) IS NOT NULL;
UPDATE erp_meta.constraint_fields SET table_name = replace(table_name, 'erp.', '');
INSERT INTO erp_meta.constraint_fields (table_name, constraint_name, field) VALUES
('erp_uoms', 'erp_uoms_one_reference_idx', 'reference unit of the category'),
('erp_tenants', 'erp_tenants_name_limit_check', 'name'),
('erp_uom_categories', 'erp_uom_categories_code_limit_check', 'code'),
('erp_uom_categories', 'erp_uom_categories_name_limit_check', 'name'),
('erp_uoms', 'erp_uoms_code_limit_check', 'code'),
('erp_uoms', 'erp_uoms_name_limit_check', 'name'),
('erp_uoms', 'erp_uoms_factor_limit_check', 'factor'),
('erp_uoms', 'erp_uoms_rounding_limit_check', 'rounding'),
('erp_partners', 'erp_partners_code_limit_check', 'code'),
('erp_partners', 'erp_partners_name_limit_check', 'name'),
('erp_partners', 'erp_partners_tax_id_limit_check', 'tax_id'),
('erp_partners', 'erp_partners_email_limit_check', 'email'),
('erp_partners', 'erp_partners_address_limit_check', 'address'),
('erp_products', 'erp_products_sku_limit_check', 'sku'),
('erp_products', 'erp_products_name_limit_check', 'name'),
('erp_products', 'erp_products_barcode_limit_check', 'barcode'),
('erp_products', 'erp_products_price_limit_check', 'list_price'),
('erp_sequences', 'erp_sequences_code_limit_check', 'code'),
('erp_sequences', 'erp_sequences_name_limit_check', 'name'),
('erp_sequences', 'erp_sequences_affix_limit_check', 'prefix/suffix');
