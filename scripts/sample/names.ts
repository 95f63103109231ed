/**
 * Name lists for the generated sample corpus (scripts/make-sample.ts).
 *
 * Entries are written as they appear in running text. A leading "the " is an
 * article that stays outside the entity ("the Netherlands" -> O B-LOC). People
 * are made by pairing first and last names within a culture, so that a
 * surname alone refers to one person of the cast.
 *
 * Some names are deliberately ambiguous across lists (Jordan, Washington,
 * Georgia, Florence, Lincoln, Chelsea, Ford, clubs named after their city) so
 * that only context tells the type; the generator never holds those out.
 */

export interface Culture {
  name: string;
  male: string[];
  female: string[];
  last: string[];
  /** Family name first, as in Chinese and Korean news usage. */
  familyFirst?: boolean;
}

export const CULTURES: Culture[] = [
  {
    name: 'English',
    male: ['James', 'John', 'Robert', 'Michael', 'David', 'Richard', 'Thomas', 'Mark', 'Peter', 'Simon'],
    female: ['Mary', 'Sarah', 'Emma', 'Laura', 'Helen', 'Karen', 'Rachel', 'Alice'],
    last: ['Smith', 'Johnson', 'Brown', 'Taylor', 'Wilson', 'Davies', 'Clarke', 'Walker', 'Hughes', 'Mitchell', 'Bennett', 'Turner'],
  },
  {
    name: 'German',
    male: ['Hans', 'Klaus', 'Jürgen', 'Wolfgang', 'Stefan', 'Matthias', 'Uwe', 'Dieter'],
    female: ['Angela', 'Sabine', 'Ursula', 'Petra', 'Katrin', 'Birgit'],
    last: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Becker', 'Hoffmann', 'Schäfer', 'Koch', 'Wagner', 'Krüger'],
  },
  {
    name: 'French',
    male: ['Jean', 'Pierre', 'Jacques', 'Philippe', 'Alain', 'François', 'Nicolas', 'Laurent'],
    female: ['Marie', 'Ségolène', 'Isabelle', 'Sophie', 'Catherine', 'Hélène'],
    last: ['Dubois', 'Lefèvre', 'Moreau', 'Girard', 'Rousseau', 'Fontaine', 'Chevalier', 'Mercier', 'Blanc', 'Gauthier'],
  },
  {
    name: 'Spanish',
    male: ['José', 'Carlos', 'Javier', 'Miguel', 'Alejandro', 'Pablo', 'Andrés'],
    female: ['María', 'Carmen', 'Lucía', 'Elena', 'Pilar'],
    last: ['García', 'Fernández', 'López', 'Martínez', 'Sánchez', 'Romero', 'Navarro', 'Torres', 'Ruiz', 'Herrera'],
  },
  {
    name: 'Italian',
    male: ['Giuseppe', 'Marco', 'Luca', 'Giovanni', 'Alessandro', 'Paolo', 'Roberto'],
    female: ['Giulia', 'Francesca', 'Chiara', 'Valentina'],
    last: ['Rossi', 'Russo', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco', 'Conti', 'De Luca'],
  },
  {
    name: 'Dutch',
    male: ['Jan', 'Pieter', 'Hendrik', 'Dirk', 'Ruud', 'Willem'],
    female: ['Anke', 'Femke', 'Marieke', 'Sanne'],
    // Lower-case particles inside a full name, capitalised when the surname stands alone ("Van Dijk said").
    last: ['de Jong', 'Bakker', 'Visser', 'Smit', 'Meijer', 'van Dijk', 'de Vries', 'Jansen', 'Mulder'],
  },
  {
    name: 'Russian',
    male: ['Sergei', 'Vladimir', 'Dmitry', 'Alexei', 'Igor', 'Nikolai', 'Yuri'],
    female: ['Olga', 'Natalia', 'Tatiana', 'Irina'],
    last: ['Ivanov', 'Petrov', 'Smirnov', 'Kuznetsov', 'Popov', 'Volkov', 'Sokolov', 'Lebedev', 'Kozlov', 'Morozov'],
  },
  {
    name: 'Arabic',
    male: ['Mohammed', 'Ahmed', 'Omar', 'Khalid', 'Hassan', 'Youssef', 'Tariq'],
    female: ['Fatima', 'Leila', 'Amira', 'Nour'],
    last: ['Al-Rashid', 'Haddad', 'Mansour', 'Nasser', 'Khalil', 'Saleh', 'Hamdan', 'Aziz', 'Farouk', 'El-Masri'],
  },
  {
    name: 'Chinese',
    male: ['Wei', 'Jian', 'Hao', 'Ming', 'Lei', 'Qiang'],
    female: ['Mei', 'Xiulan', 'Yan', 'Jing', 'Fang'],
    last: ['Wang', 'Zhang', 'Liu', 'Chen', 'Yang', 'Huang', 'Zhao', 'Zhou', 'Wu', 'Xu'],
    familyFirst: true,
  },
  {
    name: 'Japanese',
    male: ['Hiroshi', 'Takeshi', 'Kenji', 'Akira', 'Daisuke', 'Shigeru'],
    female: ['Yoko', 'Keiko', 'Naomi', 'Akiko'],
    last: ['Tanaka', 'Suzuki', 'Takahashi', 'Watanabe', 'Ito', 'Yamamoto', 'Nakamura', 'Kobayashi', 'Sato', 'Kato'],
  },
  {
    name: 'Korean',
    male: ['Min-jun', 'Ji-hoon', 'Dong-hyun', 'Sung-min'],
    female: ['Seo-yeon', 'Hye-jin', 'Soo-ah', 'Eun-ji'],
    last: ['Kim', 'Lee', 'Park', 'Choi', 'Jung', 'Kang', 'Yoon'],
    familyFirst: true,
  },
  {
    name: 'Indian',
    male: ['Rahul', 'Amit', 'Sanjay', 'Vijay', 'Arjun', 'Rajesh'],
    female: ['Priya', 'Sunita', 'Anjali', 'Deepa', 'Kavita'],
    last: ['Sharma', 'Patel', 'Singh', 'Gupta', 'Kumar', 'Reddy', 'Nair', 'Iyer', 'Mehta', 'Chatterjee'],
  },
  {
    name: 'African',
    male: ['Chinedu', 'Oluwaseun', 'Kwame', 'Kofi', 'Thabo', 'Samuel', 'Emeka'],
    female: ['Ngozi', 'Amina', 'Wanjiru', 'Thandiwe', 'Abena'],
    last: ['Okonkwo', 'Adeyemi', 'Mensah', 'Owusu', 'Kamau', 'Otieno', 'Ndlovu', 'Dlamini', 'Mwangi', 'Okafor'],
  },
  {
    name: 'Portuguese',
    male: ['João', 'Paulo', 'Luiz', 'Rafael', 'Tiago', 'Washington'],
    female: ['Ana', 'Beatriz', 'Fernanda', 'Luísa'],
    last: ['Silva', 'Santos', 'Oliveira', 'Souza', 'Pereira', 'Costa', 'Almeida', 'Carvalho', 'Rodrigues', 'Ferreira'],
  },
  {
    name: 'Turkish',
    male: ['Mehmet', 'Mustafa', 'Emre', 'Burak', 'Hakan'],
    female: ['Ayşe', 'Elif', 'Zeynep'],
    last: ['Yılmaz', 'Kaya', 'Demir', 'Şahin', 'Çelik', 'Öztürk', 'Aydın', 'Arslan'],
  },
  {
    name: 'Central European',
    male: ['Piotr', 'Tomasz', 'Krzysztof', 'Jakub', 'Pavel', 'Miroslav'],
    female: ['Agnieszka', 'Katarzyna', 'Zuzana', 'Jana'],
    last: ['Kowalski', 'Nowak', 'Wiśniewski', 'Wójcik', 'Lewandowski', 'Novák', 'Dvořák', 'Svoboda', 'Horváth'],
  },
  {
    name: 'Nordic',
    male: ['Lars', 'Erik', 'Anders', 'Magnus', 'Henrik', 'Jukka'],
    female: ['Ingrid', 'Astrid', 'Sofia', 'Karin'],
    last: ['Andersson', 'Johansson', 'Larsen', 'Hansen', 'Nielsen', 'Lindqvist', 'Berg', 'Haugen', 'Virtanen', 'Korhonen'],
  },
];

/** People whose names double as places or organisations elsewhere in the lists. [first, last, 'm' | 'f']. */
export const AMBIGUOUS_PEOPLE: Array<[string, string, 'm' | 'f']> = [
  ['Marcus', 'Jordan', 'm'],
  ['Ellen', 'Washington', 'f'],
  ['Nathan', 'Lincoln', 'm'],
  ['Walter', 'Ford', 'm'],
  ['Florence', 'Adams', 'f'],
  ['Georgia', 'Mills', 'f'],
  ['Chelsea', 'Morgan', 'f'],
  ['Sydney', 'Price', 'f'],
  ['Victoria', 'Lane', 'f'],
  ['Jordan', 'Peters', 'm'],
];

export const COMPANIES = [
  'Siemens', 'Volkswagen', 'Daimler', 'BMW', 'Nestlé', 'Unilever', 'Royal Dutch Shell', 'British Airways',
  'Lufthansa', 'Air France', 'Toyota', 'Sony', 'Samsung', 'Hyundai', 'Tata Motors', 'Petrobras', 'Gazprom',
  'Renault', 'Fiat', 'Philips', 'Ericsson', 'Nokia', 'Microsoft', 'Ford', 'General Motors', 'Boeing', 'Airbus',
  'IBM', 'Intel', 'Alibaba', 'Huawei', 'Deutsche Bank', 'Barclays', 'HSBC', 'Goldman Sachs', 'Credit Suisse',
  'UBS', 'Rio Tinto', 'ING', 'Allianz', 'AXA', 'Carrefour', 'Tesco', 'Heineken', 'Danone', "L'Oréal",
  'Procter & Gamble', 'AT&T', 'Johnson & Johnson', 'Marks & Spencer', 'Rolls-Royce', 'Coca-Cola',
  'Hewlett-Packard', 'Mercedes-Benz', 'ArcelorMittal', 'Nintendo', 'Nissan', 'Volvo', 'Amazon', 'Sony Corp.',
  'Nomura Securities', 'Standard Chartered', 'Telefónica', 'Repsol', 'Eni', 'Infosys', 'Reliance Industries',
  'Baosteel', 'Maersk', 'Statoil', 'Anglo American', 'Bayer', 'BASF', 'Adidas', 'Puma',
];

export const CLUBS = [
  'Bayern Munich', 'Borussia Dortmund', 'Real Madrid', 'Atletico Madrid', 'Barcelona', 'Valencia', 'Sevilla',
  'Manchester United', 'Manchester City', 'Liverpool', 'Arsenal', 'Chelsea', 'Tottenham', 'Juventus', 'AC Milan',
  'Inter Milan', 'Napoli', 'Ajax', 'PSV Eindhoven', 'Feyenoord', 'Porto', 'Benfica', 'Celtic', 'Rangers',
  'Galatasaray', 'Fenerbahçe', 'Olympiakos', 'Anderlecht', 'Marseille', 'Paris St Germain', 'Lyon',
  'Boca Juniors', 'River Plate', 'Flamengo', 'Schalke 04', 'Werder Bremen', 'Bayer Leverkusen', 'Hamburg SV',
  'Everton', 'Aston Villa', 'Lazio', 'AS Roma', 'Fiorentina', 'Dynamo Kiev', 'Spartak Moscow',
];

export const AGENCIES = [
  'the United Nations', 'the U.N.', 'the European Union', 'the EU', 'NATO', 'the World Bank',
  'the International Monetary Fund', 'the IMF', 'the World Health Organisation', 'UEFA', 'FIFA',
  'the International Olympic Committee', 'OPEC', 'the Red Cross', 'Amnesty International', 'Greenpeace',
  'the European Commission', 'UNICEF', 'the African Union', 'the Arab League', 'the World Trade Organisation',
  'Human Rights Watch', 'the U.S. Geological Survey', 'Interpol', 'the OECD', 'Medecins Sans Frontieres',
];

export const MINISTRIES = [
  'the Foreign Ministry', 'the Defence Ministry', 'the Finance Ministry', 'the Interior Ministry',
  'the Ministry of Health', 'the Ministry of Education', 'the Home Office', 'the Treasury', 'the State Department',
  'the Pentagon', 'the Trade Ministry', 'the Justice Ministry', 'the Bundestag', 'Congress',
];

export const UNIVERSITIES = [
  'Harvard University', 'Oxford University', 'Cambridge University', 'the Sorbonne', 'Humboldt University',
  'the University of Tokyo', 'Peking University', 'Stanford University', 'MIT', 'ETH Zürich',
  'the University of Cape Town', 'Yale', 'Columbia University', 'the University of São Paulo',
  'Seoul National University', 'the University of Nairobi', 'Delft University', 'Bocconi University',
];

export const PARTIES = [
  'the Social Democrats', 'the Christian Democrats', 'the Labour Party', 'the Conservative Party',
  'the Democratic Party', 'the Republican Party', 'the Congress Party', 'the Socialist Party', 'the Greens',
  'the Liberal Democrats', 'the African National Congress', 'Likud', 'the Free Democrats', 'United Russia',
  'the Popular Party', 'the People\'s Party',
];

export const PAPERS = [
  'the Financial Times', 'Le Monde', 'Die Welt', 'El País', 'Corriere della Sera', 'Asahi Shimbun',
  'the New York Times', 'the Wall Street Journal', 'the Guardian', 'Der Spiegel', 'Frankfurter Allgemeine',
  'La Repubblica', 'the Times of India', 'Reuters', 'the BBC', 'CNN', 'Al Jazeera', 'Xinhua', 'Interfax',
];

export const BANKS = [
  'the Bundesbank', 'the Bank of England', 'the European Central Bank', 'the Federal Reserve', 'the Bank of Japan',
  'the Reserve Bank of India', 'the Swiss National Bank', 'the Bank of Canada', 'the People\'s Bank of China',
  'the Riksbank',
];

export const COURTS = [
  'the Supreme Court', 'the Constitutional Court', 'the European Court of Justice', 'the High Court',
  'the International Criminal Court', 'the European Court of Human Rights',
];

export const CITIES = [
  'Paris', 'London', 'Berlin', 'Munich', 'Frankfurt', 'Hamburg', 'Madrid', 'Barcelona', 'Valencia', 'Seville',
  'Lisbon', 'Porto', 'Rome', 'Milan', 'Naples', 'Florence', 'Turin', 'Vienna', 'Zürich', 'Geneva', 'Brussels',
  'Amsterdam', 'Rotterdam', 'Copenhagen', 'Stockholm', 'Oslo', 'Helsinki', 'Warsaw', 'Prague', 'Budapest',
  'Moscow', 'St. Petersburg', 'Kiev', 'Istanbul', 'Ankara', 'Athens', 'Cairo', 'Tel Aviv', 'Jerusalem', 'Amman',
  'Beirut', 'Riyadh', 'Dubai', 'Tehran', 'Baghdad', 'Karachi', 'New Delhi', 'Mumbai', 'Beijing', 'Shanghai',
  'Hong Kong', 'Tokyo', 'Osaka', 'Seoul', 'Bangkok', 'Jakarta', 'Manila', 'Sydney', 'Melbourne', 'Auckland',
  'Johannesburg', 'Cape Town', 'Nairobi', 'Lagos', 'Accra', 'Dakar', 'New York', 'Washington', 'Chicago',
  'Los Angeles', 'San Francisco', 'Boston', 'Toronto', 'Montreal', 'Mexico City', 'Bogotá', 'Lima', 'Santiago',
  'Buenos Aires', 'São Paulo', 'Rio de Janeiro', 'Liverpool', 'Manchester', 'Lincoln', 'Kraków', 'Düsseldorf',
  'Marseille', 'Lyon', 'Austin', 'Cologne', 'Edinburgh', 'Dublin',
];

export const COUNTRIES = [
  'Germany', 'France', 'Britain', 'the United States', 'the U.S.', 'Spain', 'Italy', 'Portugal', 'the Netherlands',
  'Belgium', 'Switzerland', 'Austria', 'Poland', 'Russia', 'Ukraine', 'Turkey', 'Greece', 'Egypt', 'Israel',
  'Jordan', 'Lebanon', 'Syria', 'Iraq', 'Iran', 'Saudi Arabia', 'India', 'Pakistan', 'China', 'Japan',
  'South Korea', 'Indonesia', 'Australia', 'New Zealand', 'South Africa', 'Nigeria', 'Kenya', 'Ghana', 'Brazil',
  'Argentina', 'Chile', 'Colombia', 'Peru', 'Mexico', 'Canada', 'Sweden', 'Norway', 'Denmark', 'Finland',
  'Georgia', 'Ireland', 'Scotland', 'England', "Côte d'Ivoire", 'the Czech Republic', 'Hungary', 'Morocco',
  'Senegal', 'Vietnam', 'Thailand', 'the Philippines',
];

export const REGIONS = [
  'Bavaria', 'Catalonia', 'Andalusia', 'Tuscany', 'Provence', 'Normandy', 'Siberia', 'Kashmir', 'Punjab',
  'Texas', 'California', 'Ontario', 'Quebec', 'Queensland', 'Patagonia', 'the Balkans', 'the Middle East',
  'the Gulf', 'the Sahara', 'the Alps', 'the West Bank', 'Flanders', 'Wales', 'Yorkshire', 'Silesia', 'Sicily',
  'Corsica', 'Hokkaido', 'Lombardy', 'Brittany', 'Scandinavia', 'East Africa', 'Latin America', 'Southeast Asia',
  'Victoria', 'the Caucasus',
];

export const RIVERS = [
  'the Rhine', 'the Danube', 'the Thames', 'the Nile', 'the Amazon', 'the Mekong', 'the Volga', 'the Seine',
  'the Elbe', 'the Ganges', 'the Yangtze', 'the Mississippi',
];

export const NATIONALITIES = [
  'German', 'French', 'British', 'American', 'Spanish', 'Italian', 'Portuguese', 'Dutch', 'Belgian', 'Swiss',
  'Austrian', 'Polish', 'Russian', 'Ukrainian', 'Turkish', 'Greek', 'Egyptian', 'Israeli', 'Jordanian',
  'Lebanese', 'Iraqi', 'Iranian', 'Saudi', 'Indian', 'Pakistani', 'Chinese', 'Japanese', 'South Korean',
  'Indonesian', 'Australian', 'South African', 'Nigerian', 'Kenyan', 'Ghanaian', 'Brazilian', 'Argentine',
  'Chilean', 'Colombian', 'Mexican', 'Canadian', 'Swedish', 'Norwegian', 'Danish', 'Finnish', 'Irish',
  'Scottish', 'Czech', 'Hungarian', 'European', 'Arab', 'African', 'Asian', 'Moroccan', 'Vietnamese',
];

export const LANGUAGES = [
  'English', 'French', 'German', 'Spanish', 'Arabic', 'Mandarin', 'Japanese', 'Hindi', 'Portuguese', 'Russian',
  'Swahili', 'Turkish', 'Dutch', 'Italian', 'Korean', 'Polish', 'Greek', 'Urdu',
];

/** Sporting events and competitions, with their article where English uses one. */
export const EVENTS = [
  'the Olympic Games', 'the Champions League', 'the Europa League', 'the Davis Cup', 'the Super Bowl',
  'the Monaco Grand Prix', 'the Ryder Cup', 'the Commonwealth Games', 'the Asian Games', 'the Winter Olympics',
  'the Berlin Marathon', 'the Six Nations', 'the Tour Championship',
];

/** Tournaments between national teams ("in World Cup qualifying"). */
export const TOURNAMENTS = [
  'the World Cup', 'the European Championship', 'the Copa América', 'the Africa Cup of Nations',
  'the Rugby World Cup', 'the Asian Cup', 'the Gold Cup',
];

export const TENNIS_EVENTS = ['the Australian Open', 'the French Open', 'Wimbledon', 'the U.S. Open', 'the Italian Open'];

export const LEAGUES = [
  'the Premier League', 'the Bundesliga', 'Serie A', 'La Liga', 'Ligue 1', 'the Eredivisie', 'the Super Lig',
  'the Scottish Premiership',
];

export const RACES = ['the Tour de France', "the Giro d'Italia", 'the Vuelta a España', 'the Tour de Suisse'];

export const FESTIVALS = [
  'the Cannes Film Festival', 'the Venice Film Festival', 'the Berlin Film Festival', 'the Frankfurt Book Fair',
  'the Eurovision Song Contest', 'the Edinburgh Festival', 'the Salzburg Festival', 'Oktoberfest',
];

export const PRODUCTS = [
  'Boeing 747', 'Airbus A380', 'Windows', 'PlayStation', 'Corolla', 'Galaxy', 'iPhone', 'Walkman', 'Kindle',
  'Golf', 'Model T', 'Concorde', 'Xbox', 'Game Boy', 'Prius', 'Fiesta',
];

export const WORKS = [
  'War and Peace', 'Don Quixote', 'Les Misérables', 'Swan Lake', 'Hamlet', 'The Magic Flute', 'Silent River',
  'Northern Lights', 'The Last Harbour', 'A Winter in Lisbon', 'The Salt Road', 'Blue Mountains',
  'The Long Night', 'Children of the Desert', 'Red Earth', 'The Glass Bridge',
];
