/**
 * Own benign training data (see own-data.ts): short descriptive paragraphs — a town, its river and market, the
 * weather, a school, a railway — in 21 languages, and hotel and restaurant reviews and local news in 12 of them, as
 * documents. Without them the only non-English benign
 * documents are one third-party kind, and every model that does not see that kind (the inner folds of the
 * recipe, a leave-one-source-out fold) has met other scripts mostly in attacks: it scores ordinary prose in
 * those languages as suspicious and pushes the thresholds up for everyone.
 */
import type { TemplateSet } from './own-benign.js';

/** One language: sentences with slots; a paragraph is three or four of them. */
interface Prose {
  readonly sentences: readonly string[];
  readonly slots: Readonly<Record<string, readonly string[]>>;
}

const COMMON = {
  year: ['1654', '1789', '1872', '1908', '1931', '1967'],
  n: ['12', '35', '48', '120', '2 400', '18 000'],
  town: ['Lindau', 'Varna', 'Tarsus', 'Mirano', 'Kuopio', 'Tartu'],
};

const PROSE: Readonly<Record<string, Prose>> = {
  de: {
    sentences: [
      '{town} liegt am Ufer eines breiten Flusses und hat etwa {n} Einwohner.',
      'Die alte Brücke wurde {year} gebaut und nach einem Hochwasser zweimal erneuert.',
      'Jeden Samstag findet auf dem Marktplatz ein Wochenmarkt mit Obst, Käse und Blumen statt.',
      'Im Winter fällt dort selten Schnee, die Sommer sind dagegen warm und trocken.',
      'Die Schule am Rand der Altstadt besuchen heute {n} Kinder aus den umliegenden Dörfern.',
      'Seit {year} verbindet eine Eisenbahnlinie den Ort mit der Hauptstadt.',
      'Das Hotel war sauber, das Frühstück reichlich, nur das Personal wirkte etwas gestresst.',
      'Wer Ruhe sucht, sollte lieber unter der Woche kommen, am Wochenende ist es sehr voll!',
      'Der Stadtrat beschloss am Montag, die Gebühren für Parkplätze ab {year} zu erhöhen.',
      'Ich kann das Restaurant nur empfehlen, wir kommen bestimmt wieder.',
      'Nach Angaben der Polizei wurden bei dem Unfall {n} Menschen leicht verletzt.',
      'Die Opposition kritisierte den Plan als zu teuer und forderte eine neue Abstimmung.',
    ],
    slots: COMMON,
  },
  fr: {
    sentences: [
      '{town} se trouve au bord d’un large fleuve et compte environ {n} habitants.',
      'Le vieux pont a été construit en {year} puis restauré deux fois après des crues.',
      'Chaque samedi, un marché occupe la place centrale avec des fruits, des fromages et des fleurs.',
      'La neige y est rare en hiver, mais les étés sont chauds et secs.',
      'L’école située à la limite de la vieille ville accueille aujourd’hui {n} élèves des villages voisins.',
      'Depuis {year}, une ligne de chemin de fer relie la commune à la capitale.',
      'L’hôtel était propre et le petit-déjeuner copieux, mais le personnel semblait débordé.',
      'Si vous cherchez le calme, venez plutôt en semaine, le week-end il y a beaucoup de monde !',
      'Le conseil municipal a décidé lundi d’augmenter les tarifs du stationnement à partir de {year}.',
      'Je recommande vivement ce restaurant, nous y retournerons sans hésiter.',
      'Selon la police, {n} personnes ont été légèrement blessées dans l’accident.',
      'L’opposition a jugé le projet trop coûteux et réclamé un nouveau vote.',
    ],
    slots: COMMON,
  },
  es: {
    sentences: [
      '{town} está a orillas de un río ancho y tiene unos {n} habitantes.',
      'El puente viejo se construyó en {year} y fue reparado dos veces después de las inundaciones.',
      'Todos los sábados hay un mercado en la plaza con fruta, queso y flores.',
      'En invierno casi nunca nieva, pero los veranos son cálidos y secos.',
      'La escuela al borde del casco antiguo recibe hoy a {n} niños de los pueblos cercanos.',
      'Desde {year} una línea de ferrocarril une el pueblo con la capital.',
      'El hotel estaba limpio y el desayuno era abundante, aunque el personal parecía agobiado.',
      'Si buscas tranquilidad, mejor ven entre semana, ¡el fin de semana está lleno!',
      'El ayuntamiento decidió el lunes subir las tarifas de aparcamiento a partir de {year}.',
      'Recomiendo mucho este restaurante, seguro que volveremos.',
      'Según la policía, {n} personas resultaron heridas leves en el accidente.',
      'La oposición calificó el plan de demasiado caro y pidió una nueva votación.',
    ],
    slots: COMMON,
  },
  it: {
    sentences: [
      '{town} sorge sulla riva di un ampio fiume e conta circa {n} abitanti.',
      'Il vecchio ponte fu costruito nel {year} e restaurato due volte dopo le alluvioni.',
      'Ogni sabato in piazza si tiene un mercato di frutta, formaggi e fiori.',
      'D’inverno nevica di rado, mentre le estati sono calde e secche.',
      'La scuola ai margini del centro storico accoglie oggi {n} bambini dei paesi vicini.',
      'Dal {year} una linea ferroviaria collega il paese alla capitale.',
      'L’albergo era pulito e la colazione abbondante, ma il personale sembrava sotto pressione.',
      'Chi cerca tranquillità dovrebbe venire in settimana, nel fine settimana è pieno di gente!',
      'Lunedì il consiglio comunale ha deciso di aumentare le tariffe dei parcheggi dal {year}.',
      'Consiglio vivamente questo ristorante, ci torneremo di sicuro.',
      'Secondo la polizia, nell’incidente {n} persone sono rimaste ferite in modo lieve.',
      'L’opposizione ha definito il piano troppo costoso e ha chiesto un nuovo voto.',
    ],
    slots: COMMON,
  },
  pt: {
    sentences: [
      '{town} fica na margem de um rio largo e tem cerca de {n} habitantes.',
      'A ponte velha foi construída em {year} e restaurada duas vezes depois das cheias.',
      'Aos sábados há uma feira na praça com fruta, queijo e flores.',
      'No inverno quase não neva, mas os verões são quentes e secos.',
      'A escola na orla do centro histórico recebe hoje {n} crianças das aldeias vizinhas.',
      'Desde {year} uma linha de comboio liga a vila à capital.',
      'O hotel estava limpo e o pequeno-almoço era farto, mas os funcionários pareciam sobrecarregados.',
      'Quem procura sossego deve vir durante a semana, ao fim de semana está cheio!',
      'A câmara municipal decidiu na segunda-feira aumentar as tarifas de estacionamento a partir de {year}.',
      'Recomendo muito este restaurante, vamos voltar com certeza.',
      'Segundo a polícia, {n} pessoas ficaram ligeiramente feridas no acidente.',
      'A oposição considerou o plano demasiado caro e pediu uma nova votação.',
    ],
    slots: COMMON,
  },
  nl: {
    sentences: [
      '{town} ligt aan de oever van een brede rivier en heeft ongeveer {n} inwoners.',
      'De oude brug werd in {year} gebouwd en na overstromingen twee keer hersteld.',
      'Elke zaterdag is er op het plein een markt met fruit, kaas en bloemen.',
      'In de winter sneeuwt het er zelden, de zomers zijn warm en droog.',
      'De school aan de rand van de oude stad telt nu {n} leerlingen uit de omliggende dorpen.',
      'Sinds {year} verbindt een spoorlijn het stadje met de hoofdstad.',
    ],
    slots: COMMON,
  },
  sv: {
    sentences: [
      '{town} ligger vid en bred flod och har omkring {n} invånare.',
      'Den gamla bron byggdes {year} och har lagats två gånger efter översvämningar.',
      'Varje lördag hålls en marknad på torget med frukt, ost och blommor.',
      'På vintern snöar det sällan, men somrarna är varma och torra.',
      'Skolan i utkanten av gamla stan har i dag {n} elever från byarna runt omkring.',
      'Sedan {year} förbinder en järnväg orten med huvudstaden.',
    ],
    slots: COMMON,
  },
  pl: {
    sentences: [
      '{town} leży nad szeroką rzeką i liczy około {n} mieszkańców.',
      'Stary most zbudowano w {year} roku i dwukrotnie odbudowano po powodziach.',
      'W każdą sobotę na rynku odbywa się targ z owocami, serami i kwiatami.',
      'Zimą śnieg pada tu rzadko, a lata są ciepłe i suche.',
      'Do szkoły na skraju starego miasta chodzi dziś {n} dzieci z okolicznych wsi.',
      'Od {year} roku linia kolejowa łączy miasteczko ze stolicą.',
      'Hotel był czysty, śniadanie obfite, tylko obsługa wydawała się trochę zmęczona.',
      'Kto szuka spokoju, powinien przyjechać w tygodniu, w weekend jest tu tłoczno!',
      'W poniedziałek rada miasta postanowiła podnieść opłaty za parkowanie od {year} roku.',
      'Gorąco polecam tę restaurację, na pewno wrócimy.',
      'Według policji w wypadku lekko rannych zostało {n} osób.',
      'Opozycja uznała plan za zbyt kosztowny i zażądała nowego głosowania.',
    ],
    slots: COMMON,
  },
  ru: {
    sentences: [
      '{town} стоит на берегу широкой реки, в нём живёт около {n} человек.',
      'Старый мост построили в {year} году и дважды восстанавливали после наводнений.',
      'По субботам на площади работает рынок, где продают фрукты, сыр и цветы.',
      'Зимой снег здесь выпадает редко, а лето тёплое и сухое.',
      'В школе на окраине старого города сейчас учатся {n} детей из соседних сёл.',
      'С {year} года железная дорога связывает город со столицей.',
      'Гостиница чистая, завтрак сытный, только персонал показался немного уставшим.',
      'Если хотите тишины, приезжайте лучше в будни, в выходные здесь очень много людей!',
      'В понедельник городской совет решил повысить плату за парковку с {year} года.',
      'Очень советую этот ресторан, мы обязательно вернёмся.',
      'По данным полиции, в аварии легко пострадали {n} человек.',
      'Оппозиция назвала план слишком дорогим и потребовала нового голосования.',
    ],
    slots: COMMON,
  },
  uk: {
    sentences: [
      '{town} розташоване на березі широкої річки, тут мешкає близько {n} людей.',
      'Старий міст збудували у {year} році й двічі відновлювали після повеней.',
      'Щосуботи на площі працює ринок із фруктами, сиром і квітами.',
      'Взимку сніг тут випадає рідко, а літо тепле й сухе.',
      'До школи на околиці старого міста нині ходять {n} дітей із навколишніх сіл.',
      'З {year} року залізниця сполучає місто зі столицею.',
      'Готель чистий, сніданок ситний, лише персонал здавався трохи втомленим.',
      'Якщо шукаєте тиші, приїжджайте краще в будні, у вихідні тут дуже людно!',
      'У понеділок міська рада вирішила підвищити плату за паркування з {year} року.',
      'Дуже раджу цей ресторан, ми неодмінно повернемося.',
      'За даними поліції, в аварії легко постраждали {n} людей.',
      'Опозиція назвала план надто дорогим і вимагала нового голосування.',
    ],
    slots: COMMON,
  },
  tr: {
    sentences: [
      '{town}, geniş bir nehrin kıyısında kurulmuş, yaklaşık {n} kişinin yaşadığı bir kasabadır.',
      'Eski köprü {year} yılında yapıldı ve sellerden sonra iki kez onarıldı.',
      'Her cumartesi meydanda meyve, peynir ve çiçek satılan bir pazar kurulur.',
      'Kışın nadiren kar yağar, yazlar ise sıcak ve kurudur.',
      'Eski şehrin kenarındaki okula bugün çevre köylerden {n} çocuk gidiyor.',
      '{year} yılından beri bir demiryolu hattı kasabayı başkente bağlıyor.',
      'Otel temizdi, kahvaltı boldu, yalnızca personel biraz yorgun görünüyordu.',
      'Sessizlik arıyorsanız hafta içi gelin, hafta sonu burası çok kalabalık!',
      'Belediye meclisi pazartesi günü {year} yılından itibaren otopark ücretlerini artırma kararı aldı.',
      'Bu restoranı kesinlikle tavsiye ederim, mutlaka yine geleceğiz.',
      'Polisin açıklamasına göre kazada {n} kişi hafif yaralandı.',
      'Muhalefet planı fazla pahalı bularak yeniden oylama istedi.',
    ],
    slots: COMMON,
  },
  ar: {
    sentences: [
      'تقع {town} على ضفة نهر واسع ويسكنها نحو {n} نسمة.',
      'بُني الجسر القديم عام {year} ورُمّم مرتين بعد الفيضانات.',
      'يقام كل يوم سبت سوق في الساحة تباع فيه الفواكه والأجبان والزهور.',
      'نادراً ما يتساقط الثلج هناك في الشتاء، أما الصيف فحار وجاف.',
      'تستقبل المدرسة الواقعة عند طرف البلدة القديمة اليوم {n} طفلاً من القرى المجاورة.',
      'منذ عام {year} يربط خط للسكك الحديدية البلدة بالعاصمة.',
    ],
    slots: COMMON,
  },
  hi: {
    sentences: [
      '{town} एक चौड़ी नदी के किनारे बसा है और यहाँ लगभग {n} लोग रहते हैं।',
      'पुराना पुल {year} में बना था और बाढ़ के बाद दो बार उसकी मरम्मत हुई।',
      'हर शनिवार चौक में बाज़ार लगता है जहाँ फल, पनीर और फूल बिकते हैं।',
      'सर्दियों में यहाँ कम ही बर्फ़ गिरती है, जबकि गर्मियाँ गरम और सूखी होती हैं।',
      'पुराने शहर के किनारे वाले स्कूल में आज आसपास के गाँवों के {n} बच्चे पढ़ते हैं।',
      '{year} से एक रेल लाइन इस कस्बे को राजधानी से जोड़ती है।',
    ],
    slots: COMMON,
  },
  bn: {
    sentences: [
      '{town} একটি চওড়া নদীর তীরে অবস্থিত, এখানে প্রায় {n} জন মানুষ বাস করে।',
      'পুরোনো সেতুটি {year} সালে তৈরি হয় এবং বন্যার পরে দুবার মেরামত করা হয়।',
      'প্রতি শনিবার চত্বরে হাট বসে, সেখানে ফল, পনির আর ফুল বিক্রি হয়।',
      'শীতে এখানে খুব কম তুষার পড়ে, আর গ্রীষ্ম গরম ও শুষ্ক।',
      'পুরোনো শহরের প্রান্তের স্কুলে এখন আশপাশের গ্রামের {n}টি শিশু পড়ে।',
      '{year} সাল থেকে একটি রেলপথ শহরটিকে রাজধানীর সঙ্গে যুক্ত করেছে।',
    ],
    slots: COMMON,
  },
  id: {
    sentences: [
      '{town} terletak di tepi sungai yang lebar dan dihuni sekitar {n} orang.',
      'Jembatan tua dibangun pada tahun {year} dan dua kali diperbaiki setelah banjir.',
      'Setiap hari Sabtu ada pasar di alun-alun yang menjual buah, keju, dan bunga.',
      'Salju jarang turun di musim dingin, sedangkan musim panasnya hangat dan kering.',
      'Sekolah di pinggir kota lama kini menampung {n} anak dari desa-desa sekitar.',
      'Sejak tahun {year} jalur kereta api menghubungkan kota itu dengan ibu kota.',
    ],
    slots: COMMON,
  },
  tl: {
    sentences: [
      'Ang {town} ay nasa pampang ng isang malapad na ilog at may humigit-kumulang {n} na naninirahan.',
      'Itinayo ang lumang tulay noong {year} at dalawang beses itong inayos matapos ang baha.',
      'Tuwing Sabado ay may palengke sa plasa na nagbebenta ng prutas, keso at bulaklak.',
      'Bihira ang niyebe roon sa taglamig, ngunit mainit at tuyo ang tag-araw.',
      'Ang paaralan sa gilid ng lumang bayan ay may {n} na mag-aaral mula sa mga kalapit na nayon.',
      'Mula {year}, isang linya ng tren ang nag-uugnay sa bayan at sa kabisera.',
    ],
    slots: COMMON,
  },
  vi: {
    sentences: [
      '{town} nằm bên bờ một con sông rộng và có khoảng {n} người sinh sống.',
      'Cây cầu cũ được xây năm {year} và đã được sửa lại hai lần sau lũ.',
      'Thứ Bảy nào quảng trường cũng có chợ bán trái cây, pho mát và hoa.',
      'Mùa đông ở đó hiếm khi có tuyết, còn mùa hè thì nóng và khô.',
      'Ngôi trường ở rìa khu phố cổ hiện có {n} học sinh đến từ các làng lân cận.',
      'Từ năm {year}, một tuyến đường sắt nối thị trấn với thủ đô.',
    ],
    slots: COMMON,
  },
  th: {
    sentences: [
      '{town} ตั้งอยู่ริมแม่น้ำสายกว้าง มีประชากรประมาณ {n} คน',
      'สะพานเก่าสร้างขึ้นในปี {year} และได้รับการซ่อมแซมสองครั้งหลังน้ำท่วม',
      'ทุกวันเสาร์จะมีตลาดที่ลานกลางเมือง ขายผลไม้ ชีส และดอกไม้',
      'ฤดูหนาวที่นั่นแทบไม่มีหิมะ ส่วนฤดูร้อนอากาศอบอุ่นและแห้ง',
      'โรงเรียนที่ชายเมืองเก่าปัจจุบันมีนักเรียน {n} คนจากหมู่บ้านรอบ ๆ',
      'ตั้งแต่ปี {year} ทางรถไฟสายหนึ่งเชื่อมเมืองนี้กับเมืองหลวง',
    ],
    slots: COMMON,
  },
  zh: {
    sentences: [
      '{town}坐落在一条宽阔的河边，人口约{n}人。',
      '老桥建于{year}年，洪水过后曾两次修复。',
      '每逢星期六，广场上都有集市，卖水果、奶酪和鲜花。',
      '那里冬天很少下雪，夏天则温暖干燥。',
      '老城边上的学校如今有来自附近村庄的{n}名学生。',
      '自{year}年起，一条铁路把小城和首都连在一起。',
      '酒店很干净，早餐也很丰盛，只是服务员看起来有点忙不过来。',
      '想清静的话最好平日来，周末人特别多！',
      '市议会周一决定，从{year}年起提高停车费。',
      '非常推荐这家餐厅，我们一定还会再来。',
      '据警方称，事故中有{n}人受轻伤。',
      '反对派认为该计划成本过高，要求重新投票。',
    ],
    slots: COMMON,
  },
  ja: {
    sentences: [
      '{town}は広い川のほとりにある町で、人口はおよそ{n}人です。',
      '古い橋は{year}年に架けられ、洪水のあと二度修復されました。',
      '毎週土曜日には広場で市が開かれ、果物やチーズ、花が並びます。',
      '冬に雪が降ることはまれで、夏は暖かく乾いています。',
      '旧市街のはずれにある学校には、いま近くの村から{n}人の子どもが通っています。',
      '{year}年から鉄道がこの町と首都を結んでいます。',
      'ホテルは清潔で朝食もたっぷりでしたが、スタッフは少し忙しそうでした。',
      '静かに過ごしたいなら平日がおすすめです。週末はとても混みます！',
      '市議会は月曜日、{year}年から駐車料金を引き上げることを決めた。',
      'このレストランは本当におすすめです。また必ず来ます。',
      '警察によると、事故で{n}人が軽いけがをした。',
      '野党は計画の費用が高すぎると批判し、再投票を求めた。',
    ],
    slots: COMMON,
  },
  ko: {
    sentences: [
      '{town}은 넓은 강가에 자리한 도시로 약 {n}명이 살고 있다.',
      '옛 다리는 {year}년에 세워졌고 홍수 뒤에 두 번 보수되었다.',
      '토요일마다 광장에 장이 서서 과일과 치즈, 꽃을 판다.',
      '겨울에는 눈이 드물고 여름은 따뜻하고 건조하다.',
      '구시가지 끝에 있는 학교에는 지금 이웃 마을에서 온 {n}명의 아이들이 다닌다.',
      '{year}년부터 철도가 이 도시와 수도를 잇고 있다.',
      '호텔은 깨끗하고 아침 식사도 푸짐했지만 직원들은 조금 바빠 보였다.',
      '조용히 쉬고 싶다면 평일에 오는 게 좋다. 주말에는 사람이 정말 많다!',
      '시의회는 월요일 {year}년부터 주차 요금을 올리기로 결정했다.',
      '이 식당은 정말 추천한다. 꼭 다시 올 것이다.',
      '경찰에 따르면 사고로 {n}명이 가볍게 다쳤다.',
      '야당은 계획이 너무 비싸다며 재투표를 요구했다.',
    ],
    slots: COMMON,
  },
};

/** Paragraph shapes: indices into a language's sentences. */
const SHAPES = [
  [0, 1, 2],
  [0, 3, 4],
  [1, 2, 5],
  [0, 2, 3, 5],
  [4, 5, 1],
  [3, 2, 0, 4],
];
/** Shapes for the languages that also have review and news sentences (indices 6–11). */
const LONG_SHAPES = [
  [6, 7, 9],
  [8, 10, 11],
  [0, 6, 9, 2],
  [8, 11, 1],
  [7, 3, 6],
  [10, 8, 5, 11],
];

/** All languages as one template set: a template per (language, shape), the sentences as language slots. */
export const BENIGN_PROSE: TemplateSet = (() => {
  const templates: string[] = [];
  const slots: Record<string, readonly string[]> = { ...COMMON };
  for (const [lang, prose] of Object.entries(PROSE)) {
    prose.sentences.forEach((s, i) => (slots[`${lang}${i}`] = [s]));
    for (const shape of prose.sentences.length > 6 ? [...SHAPES, ...LONG_SHAPES] : SHAPES)
      templates.push(shape.map((i) => `{${lang}${i}}`).join(' '));
  }
  return { templates, slots };
})();
